using Microsoft.Extensions.Logging;

namespace PemCertState.Application;

/// <summary>The operations' own log events (the stages' are in each stage's Log).</summary>
internal static partial class Log
{
    /// <summary>A plan warning an apply goes ahead with (--rotate-common: every agent reconnects), for log collectors too.</summary>
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "applying a plan with a warning: {Warning}")]
    public static partial void ApplyingWithWarning(ILogger logger, string warning);
}
