using System.Diagnostics;
using PemCertState.Cli;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>`pemstate completion SHELL`: scripts made from the parser's own table, tried in a real bash, zsh and fish.</summary>
public sealed class CompletionTests
{
    [Fact]
    public void The_bash_script_registers_itself_and_completes_verbs_options_values_and_files()
    {
        // Given the script pemstate prints, and a folder with an inventory in it
        var folder = Directory.CreateTempSubdirectory("pemstate-completion-").FullName;
        try
        {
            var (code, script, stderr) = Pemstate.Run(folder, "completion", "bash");
            Assert.True(code == 0, stderr);
            File.WriteAllText(Path.Combine(folder, "completion.bash"), script);
            File.WriteAllText(Path.Combine(folder, "fleet.yaml"), "version: 1\n");
            File.WriteAllText(Path.Combine(folder, "fleet.plan"), "{}\n");

            // When bash sources it and completes words the way readline does (COMP_WORDS, COMP_CWORD, then the function)
            var output = Bash(folder, """
                source ./completion.bash
                complete -p pemstate
                t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _pemstate; echo "$*|${COMPREPLY[*]}"; }
                t pemstate pl
                t pemstate ''
                t pemstate apply --au
                t pemstate apply --fi
                t pemstate plan --log-format ''
                t pemstate plan -f fleet.y
                t pemstate apply fleet.p
                t pemstate backups pr
                t pemstate backups prune --ke
                t pemstate completion f
                t pemstate validate --sk
                """);

            // Then
            var lines = output.Split('\n');
            Assert.Equal("complete -F _pemstate pemstate", lines[0]);
            Assert.Contains("pemstate pl|plan", lines);
            Assert.Contains("pemstate |validate plan apply verify status report backups rollback completion --help -h --version", lines);
            Assert.Contains("pemstate apply --au|--auto-approve", lines);
            Assert.Contains("pemstate apply --fi|--file", lines);
            Assert.Contains("pemstate plan --log-format |json text", lines);
            Assert.Contains("pemstate plan -f fleet.y|fleet.yaml", lines);
            Assert.Contains("pemstate apply fleet.p|fleet.plan", lines);
            Assert.Contains("pemstate backups pr|prune", lines);
            Assert.Contains("pemstate backups prune --ke|--keep", lines);
            Assert.Contains("pemstate completion f|fish", lines);
            Assert.Contains("pemstate validate --sk|", lines); // validate takes no --skip-host: nothing offered
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    [InlineData("powershell")]
    public void Every_script_names_every_verb_and_every_option_of_the_parser(string shell)
    {
        // Given the parser's table
        var root = CommandLine.Build();

        // When the script for that shell is made
        var script = Completion.Script(shell, root);

        // Then every verb and every long option of every verb is in it (fish writes options without their dashes)
        foreach (var node in Completion.Nodes(root))
        {
            Assert.Contains(node.Path.Split(' ')[^1], script, StringComparison.Ordinal);
            foreach (var option in node.Options)
                Assert.Contains(shell == "fish" ? $"-l {option.Long[2..]}" : option.Long, script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unknown_shell_is_refused_with_the_choices()
    {
        // Given a folder
        var folder = Directory.CreateTempSubdirectory("pemstate-completion-").FullName;
        try
        {
            // When completion is asked for a shell pemstate does not write for
            var (code, stdout, stderr) = Pemstate.Run(folder, "completion", "tcsh");

            // Then
            Assert.Equal(1, code);
            Assert.Equal("", stdout);
            Assert.Contains("tcsh", stderr, StringComparison.Ordinal);
            Assert.Contains("bash", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_zsh_script_completes_verbs_options_values_and_files_when_Tab_is_pressed_in_a_real_zsh()
    {
        // Given the script pemstate prints, a folder with an inventory and a plan in it, and zsh (scripts/test.sh installs it)
        var zsh = Shell("zsh");
        var folder = Directory.CreateTempSubdirectory("pemstate-completion-").FullName;
        try
        {
            var (code, script, stderr) = Pemstate.Run(folder, "completion", "zsh");
            Assert.True(code == 0, stderr);
            File.WriteAllText(Path.Combine(folder, "pemstate.zsh"), script);
            File.WriteAllText(Path.Combine(folder, "complete.zsh"), ZshTab);
            File.WriteAllText(Path.Combine(folder, "fleet.yaml"), "version: 1\n");
            File.WriteAllText(Path.Combine(folder, "fleet.plan"), "{}\n");

            // When an interactive zsh (compinit loaded, the script sourced) completes each line as Tab does, in a pseudo-terminal
            var offered = Candidates(Run(zsh, folder, "-f", "complete.zsh",
                "pemstate ap", "pemstate apply --", "pemstate apply --au", "pemstate plan --log-format ", "pemstate plan -f fleet.y",
                "pemstate apply fleet.p", "pemstate backups pr", "pemstate backups prune --ke", "pemstate completion f", "pemstate validate --sk",
                "pemstate plan --skip-host "));

            // Then zsh offers what the parser's table says, and nothing where it takes nothing
            Assert.Equal(["apply"], offered["pemstate ap"]);
            Assert.Contains("--auto-approve", offered["pemstate apply --"]);
            Assert.Contains("--skip-host", offered["pemstate apply --"]);
            Assert.DoesNotContain("--json", offered["pemstate apply --"]);
            Assert.Equal(["--auto-approve"], offered["pemstate apply --au"]);
            Assert.Equal(["json", "text"], offered["pemstate plan --log-format "]);
            Assert.Equal(["fleet.yaml"], offered["pemstate plan -f fleet.y"]);
            Assert.Equal(["fleet.plan"], offered["pemstate apply fleet.p"]);
            Assert.Equal(["prune"], offered["pemstate backups pr"]);
            Assert.Equal(["--keep"], offered["pemstate backups prune --ke"]);
            Assert.Equal(["fish"], offered["pemstate completion f"]);
            Assert.Empty(offered["pemstate validate --sk"]);
            Assert.Empty(offered["pemstate plan --skip-host "]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_fish_script_completes_verbs_options_values_and_files_in_a_real_fish()
    {
        // Given the script pemstate prints, a folder with an inventory and a plan in it, and fish (scripts/test.sh installs it)
        var fish = Shell("fish");
        var folder = Directory.CreateTempSubdirectory("pemstate-completion-").FullName;
        try
        {
            var (code, script, stderr) = Pemstate.Run(folder, "completion", "fish");
            Assert.True(code == 0, stderr);
            File.WriteAllText(Path.Combine(folder, "pemstate.fish"), script);
            File.WriteAllText(Path.Combine(folder, "fleet.yaml"), "version: 1\n");
            File.WriteAllText(Path.Combine(folder, "fleet.plan"), "{}\n");

            // When fish, with the script sourced, prints the candidates of each line (complete -C, what Tab would offer)
            string[] lines =
            [
                "pemstate ap", "pemstate apply --", "pemstate apply --au", "pemstate plan --log-format ", "pemstate status --format ",
                "pemstate plan -f fleet.y", "pemstate apply fleet.p", "pemstate backups pr", "pemstate backups prune --ke",
                "pemstate completion f", "pemstate validate --sk", "pemstate plan --skip-host ", "pemstate apply --parallelism ",
            ];
            string[] arguments = ["--no-config", "-c", "source pemstate.fish; for line in $argv; echo \"== $line\"; complete -C\"$line\"; end", .. lines];
            var offered = Candidates(Run(fish, folder, arguments));

            // Then fish offers what the parser's table says (files only where a file is taken), and nothing where it takes nothing
            Assert.Equal(["apply"], offered["pemstate ap"]);
            Assert.Contains("--auto-approve", offered["pemstate apply --"]);
            Assert.Contains("--skip-host", offered["pemstate apply --"]);
            Assert.DoesNotContain("--json", offered["pemstate apply --"]);
            Assert.Equal(["--auto-approve"], offered["pemstate apply --au"]);
            Assert.Equal(["json", "text"], offered["pemstate plan --log-format "]);
            Assert.Equal(["json", "prometheus", "text"], offered["pemstate status --format "]);
            Assert.Equal(["fleet.yaml"], offered["pemstate plan -f fleet.y"]);
            Assert.Equal(["fleet.plan"], offered["pemstate apply fleet.p"]);
            Assert.Equal(["prune"], offered["pemstate backups pr"]);
            Assert.Equal(["--keep"], offered["pemstate backups prune --ke"]);
            Assert.Equal(["fish"], offered["pemstate completion f"]);
            Assert.Empty(offered["pemstate validate --sk"]);
            Assert.Empty(offered["pemstate plan --skip-host "]);
            Assert.Empty(offered["pemstate apply --parallelism "]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_PowerShell_script_registers_a_native_completer_for_pemstate_with_every_verb_and_option_of_the_table()
    {
        // Given the parser's table (PowerShell is not in Debian's archive: the script is checked as text)
        var root = CommandLine.Build();

        // When the PowerShell script is made
        var script = Completion.Script("powershell", root);

        // Then it registers itself for the native command pemstate, and its tables hold each verb under its parent and each verb's options
        Assert.Contains("Register-ArgumentCompleter -Native -CommandName pemstate -ScriptBlock {", script, StringComparison.Ordinal);
        var lines = script.Split('\n');
        foreach (var node in Completion.Nodes(root))
        {
            var verbs = lines.Where(l => l.StartsWith($"        '{node.Path}' = @(", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, verbs.Count); // one in $verbs, one in $options
            foreach (var verb in node.Verbs) Assert.Contains($"'{verb.Path.Split(' ')[^1]}'", verbs[0], StringComparison.Ordinal);
            foreach (var option in node.Options) Assert.Contains($"'{option.Long}'", verbs[1], StringComparison.Ordinal);
        }
        Assert.Equal(
            ["validate", "plan", "apply", "verify", "status", "report", "backups", "rollback", "completion"],
            root.Subcommands.Select(c => c.Name));
    }

    /// <summary>The shell's path; a test that needs it fails, saying how to get it, when it is missing (never a silent skip).</summary>
    private static string Shell(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"{name} is not installed: this test runs the completion script in a real {name}. " +
            $"scripts/test.sh installs it (apt-get install -y {name}).");
        return found!;
    }

    private static string Run(string shell, string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(shell) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // fish makes its config and data folders even with --no-config: in the test's folder, not in the home directory.
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(folder, ".config");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(folder, ".local");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); Assert.Fail($"{shell} did not finish in 120 s"); }
        Assert.True(process.ExitCode == 0 && stderr.Result == "", $"{shell} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>"== LINE" then one candidate a line (fish adds a tab and a description): each line's candidates, sorted.</summary>
    private static Dictionary<string, List<string>> Candidates(string output)
    {
        var offered = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal)) offered[line[3..]] = current = [];
            else if (line.Length > 0) current!.Add(line.Split('\t')[0]);
        }
        foreach (var list in offered.Values) list.Sort(StringComparer.Ordinal);
        return offered;
    }

    /// <summary>
    /// Completes each argument in a real interactive zsh, in a pseudo-terminal (zsh's zpty module), as a person pressing
    /// Tab after typing it: compadd is wrapped to print what zsh would offer, and a post-completion hook marks the end.
    /// </summary>
    private const string ZshTab = """
        # Completes each argument in a real interactive zsh (in a pseudo-terminal, as a person pressing Tab after typing it):
        # prints "== ARGUMENT", then each candidate zsh would offer, one a line.
        zmodload zsh/zpty || { print -u2 "zsh has no zpty module"; exit 3 }
        local typed line
        integer waited
        for typed in "$@"; do
          print -r -- "== $typed"
          zpty z zsh -f -i || { print -u2 "cannot start zsh in a pseudo-terminal"; exit 3 }
          zpty -w z 'PROMPT=; RPROMPT=; autoload -U compinit && compinit -u -D'
          zpty -w z 'source ./pemstate.zsh'
          zpty -w z 'zstyle ":completion:*" insert-tab false'
          # Every candidate that reaches compadd (after zsh matched it against the word) is printed, then added as usual.
          zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -O __m "$@"; (( $#__m )) && print -rl -- "<""candidate>"${^__m}; builtin compadd "$@"; }'
          zpty -w z '__done() { print -r -- "<""done>"; }; comppostfuncs=(__done)'
          zpty -w -n z "$typed"$'\t'
          waited=0
          while true; do
            if zpty -r -t z line; then
              line=${line//$'\r'/}
              line=${line%$'\n'}
              [[ $line == *'<done>'* ]] && break
              [[ $line == *'<candidate>'* ]] && print -r -- "${line#*<candidate>}"
            else
              (( waited++ > 600 )) && { print -u2 "zsh offered nothing in 30 s for: $typed"; exit 2 }
              sleep 0.05
            fi
          done
          zpty -d z
        done
        """;

    private static string Bash(string folder, string script)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--norc");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var bash = Process.Start(start)!;
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        Assert.True(bash.ExitCode == 0, stderr);
        Assert.Equal("", stderr);
        return stdout.Result;
    }
}
