namespace PemCertState.Cli;

/// <summary>Whether a person is watching: colours, prompts and progress only then.</summary>
internal static class Terminal
{
    public static bool IsInteractive =>
        !Console.IsOutputRedirected && !Console.IsInputRedirected && !InCi;

    /// <summary>--no-color on the command line; set once by <see cref="CommandLine.RunAsync"/> before a verb runs.</summary>
    public static bool NoColorOption { get; set; }

    /// <summary>Colours on stdout: only on a terminal, never with NO_COLOR or --no-color.</summary>
    public static bool UseColour => ColourWanted(
        NoColorOption, Environment.GetEnvironmentVariable("NO_COLOR"), Environment.GetEnvironmentVariable("FORCE_COLOR"),
        Environment.GetEnvironmentVariable("TERM"), Console.IsOutputRedirected);

    /// <summary>
    /// The rule, apart from the process: --no-color and NO_COLOR (any non-empty value, no-color.org) always win;
    /// FORCE_COLOR (non-empty, not 0) asks for colours on a pipe (a CI log viewer that shows them; the tests);
    /// otherwise colours go to a terminal that is not TERM=dumb.
    /// </summary>
    public static bool ColourWanted(bool noColorOption, string? noColor, string? forceColor, string? term, bool outputRedirected)
    {
        if (noColorOption || !string.IsNullOrEmpty(noColor)) return false;
        if (!string.IsNullOrEmpty(forceColor) && forceColor != "0") return true;
        return !outputRedirected && term != "dumb";
    }

    /// <summary>
    /// Whether the progress of long waits (a spinner while observing, SSH connects counted, restarts as they run) goes to
    /// stderr: read once, at the program's edge (<see cref="CommandLine.RunAsync"/>), and handed down.
    /// </summary>
    public static bool ProgressOnStderr => ProgressWanted(Console.IsErrorRedirected, Environment.GetEnvironmentVariable("CI"), Environment.GetEnvironmentVariable("TERM"));

    /// <summary>The rule, apart from the process: stderr a terminal, not in CI (CI set to anything but false), not TERM=dumb.</summary>
    public static bool ProgressWanted(bool errorRedirected, string? ci, string? term) =>
        !errorRedirected && ci is (null or "" or "false") && term != "dumb";

    private static bool InCi => Environment.GetEnvironmentVariable("CI") is not (null or "" or "false");
}
