using Spectre.Console;

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
    /// Progress for a wait a person would otherwise stare at (connecting to many hosts, observing them): a spinner on
    /// stderr, only when stderr is a terminal and not in CI. Piped output never gets it, so stdout and logs stay clean.
    /// </summary>
    public static async Task<T> WhileWaitingAsync<T>(string what, Func<Task<T>> work)
    {
        if (Console.IsErrorRedirected || InCi || Environment.GetEnvironmentVariable("TERM") == "dumb") return await work().ConfigureAwait(false);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            ColorSystem = UseColour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        return await console.Status().StartAsync(what, _ => work()).ConfigureAwait(false);
    }

    private static bool InCi => Environment.GetEnvironmentVariable("CI") is not (null or "" or "false");
}
