using System.CommandLine;
using PemCertState.Cli;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>--help and mistakes on the command line, as a person meets them.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Verbs()
    {
        var data = new TheoryData<string>();
        foreach (var node in Completion.Nodes(CommandLine.Build()).Skip(1)) data.Add(node.Path["pemstate ".Length..]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_verb_help_has_examples_and_named_placeholders(string verb)
    {
        // Given a verb
        using var folder = new TempFolder();

        // When its help is asked for
        var (code, stdout, stderr) = Pemstate.Run(folder.Path, [.. verb.Split(' '), "--help"]);

        // Then it shows one or two examples that start with the verb, and no placeholder named after its option
        Assert.True(code == 0, stderr);
        var examples = stdout[(stdout.IndexOf("Examples:\n", StringComparison.Ordinal) + "Examples:\n".Length)..].Split('\n').TakeWhile(l => l.Length > 0).ToList();
        Assert.InRange(examples.Count, 1, 2);
        Assert.All(examples, e => Assert.Contains($"pemstate {verb}", e, StringComparison.Ordinal));
        Assert.DoesNotContain("<file>", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<skip-host>", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<backup>", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<out>", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan", "--out <FILE>")]
    [InlineData("plan", "--skip-host <HOST>")]
    [InlineData("rollback", "--backup <ID>")]
    [InlineData("apply", "--parallelism <N>")]
    [InlineData("validate", "--file <FILE>")]
    public void Placeholders_say_what_goes_there(string verb, string expected)
    {
        // Given a folder
        using var folder = new TempFolder();

        // When the verb's help is printed
        var (_, stdout, _) = Pemstate.Run(folder.Path, verb, "--help");

        // Then
        Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate", "--skip-host")]
    [InlineData("validate", "--accept-new-host-keys")]
    [InlineData("validate", "--verbose")]
    [InlineData("status", "--no-color")]
    [InlineData("verify", "--auto-approve")]
    [InlineData("completion", "--file")]
    public void A_verb_does_not_list_or_accept_an_option_it_would_ignore(string verb, string option)
    {
        // Given a folder
        using var folder = new TempFolder();

        // When the verb's help is printed, and the option is given to it
        var help = Pemstate.Run(folder.Path, verb, "--help");
        var given = Pemstate.Run(folder.Path, verb == "completion" ? ["completion", "bash", option] : [verb, option]);

        // Then it is not listed, and giving it is a mistake named as such
        Assert.DoesNotContain(option, help.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, given.ExitCode);
        Assert.Contains($"pemstate {verb}: unknown option '{option}'", given.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    public void Parallelism_below_1_or_not_a_number_is_one_plain_sentence(string value)
    {
        // Given a lab
        using var lab = Lab.Create(agents: 1);

        // When apply is given that parallelism
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--parallelism", value);

        // Then one line says what is wrong, nothing else is printed, and nothing was done
        Assert.Equal(1, code);
        Assert.Equal($"pemstate apply: --parallelism must be 1 or more (a whole number); got '{value}'\n", stderr);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Theory]
    [InlineData(new[] { "plan", "--detailed-exit" }, "pemstate plan: unknown option '--detailed-exit'; did you mean '--detailed-exitcode'?")]
    [InlineData(new[] { "apply", "--auto-aprove" }, "pemstate apply: unknown option '--auto-aprove'; did you mean '--auto-approve'?")]
    [InlineData(new[] { "rollback", "--backups", "x" }, "pemstate rollback: unknown option '--backups'; did you mean '--backup'?")]
    [InlineData(new[] { "pl" }, "pemstate: unknown verb 'pl'; did you mean 'plan'?")]
    [InlineData(new[] { "stauts" }, "pemstate: unknown verb 'stauts'; did you mean 'status'?")]
    public void An_unknown_option_names_the_verb_and_the_closest_option(string[] arguments, string expected)
    {
        // Given a folder
        using var folder = new TempFolder();

        // When pemstate is given the mistyped word
        var (code, stdout, stderr) = Pemstate.Run(folder.Path, arguments);

        // Then the first line names the verb and the option meant, with no help dump after it
        Assert.Equal(1, code);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.DoesNotContain("Usage:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_alone_prints_what_the_parser_prints_for_it()
    {
        // Given a response file that holds --version: the parser reads it, so the command tree answers
        using var folder = new TempFolder();
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "version.rsp"), "--version\n");

        // When --version is asked for alone (answered before the verbs are built) and through the parser
        var alone = Pemstate.Run(folder.Path, "--version");
        var parsed = Pemstate.Run(folder.Path, "@version.rsp");
        var combined = Pemstate.Run(folder.Path, "--version", "plan");

        // Then both say the same, the tool's version on one line; with anything beside it, the parser still refuses it
        Assert.True(alone.ExitCode == 0, alone.Stderr);
        Assert.True(parsed.ExitCode == 0, parsed.Stderr);
        Assert.Equal(parsed.Stdout, alone.Stdout);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", alone.Stdout);
        Assert.Equal(1, combined.ExitCode);
        Assert.Equal("", combined.Stdout);
    }

    [Fact]
    public void A_PEMSTATE_NOW_that_does_not_parse_is_a_message_not_a_stack_trace()
    {
        // Given a lab
        using var lab = Lab.Create(agents: 1);

        // When the clock is pinned to something that is not a date
        var (code, _, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_NOW"] = "next tuesday" }, "plan");

        // Then
        Assert.Equal(1, code);
        Assert.StartsWith("pemstate: PEMSTATE_NOW='next tuesday' is not a date and time", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "(1 agent on 1 host)")]
    [InlineData(2, "(2 agents on 1 host)")]
    public void Validate_counts_agents_and_hosts_in_the_right_number(int agents, string expected)
    {
        // Given a lab of that many agents, all on one host
        using var lab = Lab.Create(agents: agents);

        // When it is validated
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "validate");

        // Then
        Assert.True(code == 0, stderr);
        Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pemstate-help-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
