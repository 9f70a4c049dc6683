using Microsoft.Extensions.Logging;

namespace PemCertState.Hosts;

/// <summary>
/// What the hosts were asked, with timings, for -v: which host connected and how long it took, every file read and
/// written, every command run. Paths, sizes and exit codes only: never a file's content (it may be a key).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "{Host}: connected to {Target} over SSH in {Milliseconds} ms")]
    public static partial void Connected(ILogger logger, string host, string target, long milliseconds);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "{Host}: connecting to {Target} failed after {Milliseconds} ms: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string host, string target, long milliseconds, string error);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "{Host}: read {Path}: {Found} in {Milliseconds} ms")]
    public static partial void Read(ILogger logger, string host, string path, string found, long milliseconds);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "{Host}: {Operation} {Path} in {Milliseconds} ms")]
    public static partial void Changed(ILogger logger, string host, string operation, string path, long milliseconds);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "{Host}: listed {Path}: {Count} entries in {Milliseconds} ms")]
    public static partial void Listed(ILogger logger, string host, string path, int count, long milliseconds);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "{Host}: ran '{Command}': exit {ExitCode}{TimedOut} in {Milliseconds} ms")]
    public static partial void Ran(ILogger logger, string host, string command, int exitCode, string timedOut, long milliseconds);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "{Host}: {Operation} {Path} failed after {Milliseconds} ms: {Error}")]
    public static partial void Failed(ILogger logger, string host, string operation, string path, long milliseconds, string error);
}
