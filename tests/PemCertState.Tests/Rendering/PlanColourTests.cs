using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>Colours on a terminal, chosen from each step's kind by the text renderer alone; the words never change.</summary>
[Trait("Category", "Unit")]
public sealed class PlanColourTests
{
    private const string Green = "\u001b[32m";
    private const string Yellow = "\u001b[33m";
    private const string Red = "\u001b[31m";
    private const string Bold = "\u001b[1m";
    private const string Reset = "\u001b[0m";

    private static readonly CertificateSummary Old = new("/CN=agent1", "/CN=pem-ca", "01", Support.Lab.Today.AddDays(-300), Support.Lab.Today.AddDays(10),
        "AA:BB", "CC:DD", "ECDSA P-256", IsCa: false);

    private static Plan Mixed() => new(
    [
        new GenerateKeyStep(ResourceAddress.Parse("agent[1].certificate"), "pem", "agent1.key is missing", new PemCertState.Inventory.KeySpec(PemCertState.Inventory.KeyAlgorithm.Ecdsa, 256)),
        new IssueStep(ResourceAddress.Parse("agent[1].certificate"), "pem", "expires in 10 days, renew_before is 30 days",
            new IssueRequest("/CN=agent1", "/CN=pem-ca", LeafUsage.Client, TimeSpan.FromDays(365)), Before: Old),
        new SetModeStep(ResourceAddress.Parse("server.certificate"), "pem", "server.key has mode 0644, want 0600", "/data/server.key", (UnixFileMode)0b110_000_000),
        new RemoveStep(ResourceAddress.Parse("agent[9].certificate"), "pem", "agent 9 left the inventory", ["/agents/9/agent9.key"]),
        new RestartStep(ResourceAddress.Parse("restart[server]"), "pem", "the server reads its certificate only when it starts", "systemctl restart edb-as-15"),
    ])
    {
        Warnings = ["every agent reconnects"],
        Refusals = ["a key below a folder others can write"],
    };

    private static string LineStarting(string text, string start) =>
        text.Split('\n').Single(l => l.Contains(start, StringComparison.Ordinal));

    [Fact]
    public void Each_kind_of_step_gets_its_colour_around_its_own_line()
    {
        // Given a plan with an addition, a replacement, a change, a removal, a restart, a warning and a refusal
        var plan = Mixed();

        // When it is rendered for a terminal
        var text = PlanTextRenderer.Render(plan, colour: true);

        // Then each line is wrapped in the colour of its kind, reset before its newline
        Assert.Equal($"{Green}  + generate key  ECDSA P-256 (in memory until installed){Reset}", LineStarting(text, "+ generate key"));
        Assert.StartsWith($"{Yellow}  + issue", LineStarting(text, "+ issue"), StringComparison.Ordinal);
        Assert.StartsWith($"{Red}      before: /CN=agent1", LineStarting(text, "before:"), StringComparison.Ordinal);
        Assert.StartsWith($"{Green}      after:  /CN=agent1", LineStarting(text, "after:"), StringComparison.Ordinal);
        Assert.Equal($"{Yellow}  ~ set mode      /data/server.key -> 0600{Reset}", LineStarting(text, "~ set mode"));
        Assert.StartsWith($"{Red}  - remove", LineStarting(text, "- remove"), StringComparison.Ordinal);
        Assert.StartsWith($"{Bold}  ! restart", LineStarting(text, "! restart"), StringComparison.Ordinal);
        Assert.Equal($"{Yellow}Warning: every agent reconnects{Reset}", LineStarting(text, "Warning:"));
        Assert.Equal($"{Red}Apply will refuse: a key below a folder others can write{Reset}", LineStarting(text, "Apply will refuse:"));
        Assert.All(text.Split('\n').Where(l => l.Contains('\u001b', StringComparison.Ordinal)), l => Assert.EndsWith(Reset, l, StringComparison.Ordinal));
        // the reasons are not coloured
        Assert.DoesNotContain('\u001b', LineStarting(text, "why:    server.key has mode"));
    }

    [Fact]
    public void Without_colour_the_text_is_the_coloured_text_with_the_codes_taken_out()
    {
        // Given the same plan
        var plan = Mixed();

        // When rendered both ways
        var plain = PlanTextRenderer.Render(plan);
        var coloured = PlanTextRenderer.Render(plan, colour: true);

        // Then the plain one has no escape at all, and the words are identical
        Assert.DoesNotContain('\u001b', plain);
        Assert.Equal(plain, System.Text.RegularExpressions.Regex.Replace(coloured, "\u001b\\[[0-9;]*m", ""));
    }

    [Theory]
    [InlineData(StepAction.GenerateKey, false, ChangeKind.Add)]
    [InlineData(StepAction.Issue, false, ChangeKind.Add)]
    [InlineData(StepAction.Issue, true, ChangeKind.Replace)]
    [InlineData(StepAction.EditSettings, false, ChangeKind.Change)]
    [InlineData(StepAction.RemovePending, false, ChangeKind.Remove)]
    [InlineData(StepAction.Reload, false, ChangeKind.Restart)]
    [InlineData(StepAction.Backup, false, ChangeKind.Other)]
    public void The_kind_comes_from_the_action_and_whether_a_certificate_is_replaced(StepAction action, bool replacing, ChangeKind expected)
    {
        // Given a step of that action
        var step = SampleSteps.Of(action, "server.certificate", before: replacing ? Old : null);

        // When its kind is asked for
        var kind = StepView.Of(step).Kind;

        // Then
        Assert.Equal(expected, kind);
    }
}
