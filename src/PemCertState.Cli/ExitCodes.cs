namespace PemCertState.Cli;

/// <summary>The exit codes scripts rely on (design.md, "The command line").</summary>
internal static class ExitCodes
{
    public const int Done = 0;
    public const int Error = 1;
    public const int ChangesPending = 2;
    public const int WaitingForSignature = 3;

    /// <summary>Stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + SIGINT's number, as a shell reports it.</summary>
    public const int Interrupted = 130;
}
