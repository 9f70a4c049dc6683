using Microsoft.Extensions.Logging;

namespace PemCertState.Cli;

/// <summary>
/// A logger factory built on the first event that passes <paramref name="minimum"/>, not before. Building
/// Microsoft.Extensions.Logging's console factory (its service provider, options and writer thread) cost about 55 ms
/// of a 0.6 s no-op apply, and a run without -v usually logs nothing. Once built, every event goes through the
/// factory <paramref name="create"/> returns, so what is written, and how, is what that factory writes.
/// </summary>
/// <param name="minimum">The level <paramref name="create"/>'s factory is set to (SetMinimumLevel, no other filter):
/// <see cref="ILogger.IsEnabled"/> answers from it without building anything.</param>
internal sealed class DeferredLoggerFactory(Func<ILoggerFactory> create, LogLevel minimum) : ILoggerFactory
{
    private readonly Lock _gate = new();
    private ILoggerFactory? _built;
    private bool _disposed;

    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName, minimum);

    public void AddProvider(ILoggerProvider provider)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            (_built ??= create()).AddProvider(provider);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _built?.Dispose();
        }
    }

    /// <summary>The built factory's logger for <paramref name="category"/>, made when its first event comes.</summary>
    private ILogger LoggerFor(string category)
    {
        lock (_gate)
        {
            if (!_disposed) return (_built ??= create()).CreateLogger(category);
        }
        // An event after Dispose from a logger made before it: as a logger of a disposed console factory does, it is
        // written at once (the factory made for it is disposed first, so its writer no longer queues).
        var late = create();
        var logger = late.CreateLogger(category);
        late.Dispose();
        return logger;
    }

    private sealed class DeferredLogger(DeferredLoggerFactory factory, string category, LogLevel minimum) : ILogger
    {
        private ILogger? _logger;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            (_logger ??= factory.LoggerFor(category)).Log(logLevel, eventId, state, exception, formatter);
        }

        /// <remarks>The console formatters are left at IncludeScopes = false: a scope is never written, so none is kept before the factory exists.</remarks>
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            _logger is { } logger ? logger.BeginScope(state) : null;
    }
}
