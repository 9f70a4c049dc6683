using System.Globalization;

namespace PemCertState.Cli;

/// <summary>
/// What every verb takes from outside its arguments, read once at the program's edge: the clock, how to log, the
/// interruption policy, and the crash tests' failure point. Nothing below the command line reads the environment.
/// </summary>
/// <param name="Verbose">-v: log each step.</param>
/// <param name="LogFormat">--log-format: text or json.</param>
/// <param name="AfterStep">PEMSTATE_FAILPOINT_AFTER_STEP, for the crash tests; null otherwise.</param>
internal sealed record VerbContext(bool Verbose, string LogFormat, TimeProvider Clock, Interrupts Interrupts, Func<int, Task>? AfterStep)
{
    /// <summary>
    /// The clock: PEMSTATE_NOW (ISO 8601) pins it, for tests and for "what will plan say on that day" questions; else the
    /// system's. Null, with the reason in <paramref name="error"/>, when PEMSTATE_NOW is set and is not a date and time.
    /// </summary>
    public static TimeProvider? ClockFromEnvironment(out string? error)
    {
        error = null;
        if (Environment.GetEnvironmentVariable("PEMSTATE_NOW") is not { Length: > 0 } pinned) return TimeProvider.System;
        if (DateTimeOffset.TryParse(pinned, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var now)) return new FixedClock(now);
        error = $"PEMSTATE_NOW='{pinned}' is not a date and time; give one in ISO 8601 (e.g. 2026-11-27T12:00:00Z), or unset it to use the system clock";
        return null;
    }

    /// <summary>
    /// PEMSTATE_FAILPOINT_AFTER_STEP=N: after step N completes (journal written), stop dead and wait to be killed.
    /// The crash tests kill the real process there with SIGKILL; nothing else should set it.
    /// </summary>
    public static Func<int, Task>? FailpointFromEnvironment()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("PEMSTATE_FAILPOINT_AFTER_STEP"), CultureInfo.InvariantCulture, out var stopAfter)) return null;
        return async step =>
        {
            if (step != stopAfter) return;
            Console.Error.Write($"pemstate: failpoint: stopped after step {step}\n");
            await Console.Error.FlushAsync().ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        };
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
