namespace PemCertState.Tests.Support;

/// <summary>The one fake the tests use: a clock that does not move.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
