namespace PemCertState.Cli;

/// <summary>The exit codes scripts rely on (design.md, "The command line").</summary>
internal static class ExitCodes
{
    public const int Done = 0;
    public const int Error = 1;
    public const int ChangesPending = 2;
    public const int WaitingForSignature = 3;
}
