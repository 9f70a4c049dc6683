using System.Diagnostics;
using PemCertState.Cli;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>`pemstate completion SHELL`: scripts made from the parser's own table, tried in a real bash.</summary>
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
