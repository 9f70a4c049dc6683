namespace PemCertState.Cli;

/// <summary>Whether a person is watching: colours, prompts and progress only then.</summary>
internal static class Terminal
{
    public static bool IsInteractive =>
        !Console.IsOutputRedirected && !Console.IsInputRedirected
        && Environment.GetEnvironmentVariable("CI") is null or "" or "false";

    public static bool UseColour => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null or "";
}
