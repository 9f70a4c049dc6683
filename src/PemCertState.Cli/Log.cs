using Microsoft.Extensions.Logging;

namespace PemCertState.Cli;

/// <summary>The command line's own log events (the engine's are in each stage's Log).</summary>
internal static partial class Log
{
    /// <summary>A plan warning an apply goes ahead with (--rotate-common: every agent reconnects), for log collectors too.</summary>
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "applying a plan with a warning: {Warning}")]
    public static partial void ApplyingWithWarning(ILogger logger, string warning);
}
