using Microsoft.Extensions.Logging;

namespace PemCertState.Database;

/// <summary>The PEM database's -v events: each connection with its duration (the commands are Npgsql's own events).</summary>
internal static partial class DatabaseLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "connected to the PEM database {Target} in {Milliseconds} ms")]
    public static partial void Connected(ILogger logger, string target, long milliseconds);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "connecting to the PEM database {Target} failed after {Milliseconds} ms: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string target, long milliseconds, string error);
}
