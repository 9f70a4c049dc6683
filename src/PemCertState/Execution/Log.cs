using Microsoft.Extensions.Logging;

namespace PemCertState.Execution;

/// <summary>Execution's log events. Paths, addresses and fingerprints only; never key material.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "{Address}: {Action} on {Host} {Paths}")]
    public static partial void StepStarted(ILogger logger, string address, string action, string host, string paths);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "generated {Count} keys on {Workers} workers in {Milliseconds} ms")]
    public static partial void KeysGenerated(ILogger logger, int count, int workers, long milliseconds);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "{Address}: a new {Kind} key was made on {Host} at {Path}; only its public half came back")]
    public static partial void KeyMadeOnHost(ILogger logger, string address, string kind, string host, string path);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Address}: issued {Subject}, serial {Serial}, sha256 {Fingerprint}")]
    public static partial void Issued(ILogger logger, string address, string subject, string serial, string fingerprint);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "{Address}: backed up {Count} files to {Folder}")]
    public static partial void BackedUp(ILogger logger, string address, int count, string folder);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "{Address}: {Action} failed on {Host}: {Error}")]
    public static partial void StepFailed(ILogger logger, string address, string action, string host, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{Address}: ran '{Command}' on {Host}, exit {ExitCode}")]
    public static partial void Restarted(ILogger logger, string address, string command, string host, int exitCode);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "the PEM database {Target} accepts connections again")]
    public static partial void ServerAccepting(ILogger logger, string target);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "{Address}: {Statement}")]
    public static partial void RoleChanged(ILogger logger, string address, string statement);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "{Address}: the server reloaded its configuration at {LoadedAt:O} and presents certificate sha256 {Fingerprint}")]
    public static partial void ServerReloaded(ILogger logger, string address, DateTime loadedAt, string fingerprint);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "apply stopped: {Why}")]
    public static partial void ApplyInterrupted(ILogger logger, string why);
}
