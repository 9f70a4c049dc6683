using Microsoft.Extensions.Logging;
using PemCertState.Cli;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>The verbs' loggers are built on their first event: a run that logs nothing builds none, one that does loses nothing.</summary>
[Trait("Category", "Unit")]
public sealed class DeferredLoggerFactoryTests
{
    [Fact]
    public void A_run_that_logs_nothing_above_its_level_builds_no_factory()
    {
        // Given a deferred factory at Warning, and a logger from it
        var built = 0;
        using var loggers = new DeferredLoggerFactory(() => { built++; return new RecordingFactory([]); }, LogLevel.Warning);
        var logger = loggers.CreateLogger("PemCertState.Hosts.LocalHost");

        // When only events below the level come
        logger.LogInformation("read {Path}", "/data/root.crt");
        logger.LogDebug("nothing");

        // Then nothing was built, and the level is answered as the console factory answers it
        Assert.Equal(0, built);
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        Assert.True(logger.IsEnabled(LogLevel.Critical));
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.False(logger.IsEnabled(LogLevel.None));
    }

    [Fact]
    public void The_first_event_at_the_level_builds_the_factory_once_and_every_event_reaches_it()
    {
        // Given a deferred factory at Warning, and three loggers from it
        var built = 0;
        var written = new List<string>();
        var loggers = new DeferredLoggerFactory(() => { built++; return new RecordingFactory(written); }, LogLevel.Warning);
        var first = loggers.CreateLogger("Executor");
        var second = loggers.CreateLogger("LocalHost");
        var third = loggers.CreateLogger("Observer");

        // When two log warnings and errors, then the factory is disposed, and events still come from the second and third
        first.LogWarning("apply stopped: {Why}", "interrupted");
        second.LogError("restart failed");
        first.LogError("again");
        loggers.Dispose();
        second.LogError("after the end");
        third.LogError("late");

        // Then the factory was built once for the run, and once more (disposed at once) for the logger whose first event came
        // after the end; every event reached a logger of its category, in order
        Assert.Equal(2, built);
        Assert.Equal(["Executor Warning apply stopped: interrupted", "LocalHost Error restart failed", "Executor Error again",
            "LocalHost Error after the end", "Observer Error late"], written);
    }

    private sealed class RecordingFactory(List<string> written) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, written);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }
    }

    private sealed class RecordingLogger(string category, List<string> written) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            written.Add($"{category} {logLevel} {formatter(state, exception)}");
    }
}
