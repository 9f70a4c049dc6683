using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>What a step's view says a bundle or CRL file will hold: the one description every renderer prints.</summary>
[Trait("Category", "Unit")]
public sealed class StepViewTests
{
    private const string Old = "AA:BB";
    private const string Older = "CC:DD";

    private static string Target(PlanStep step) => Fragment.Plain(StepView.Of(step).Target);

    private static PlanStep Bundle(string address, string source, params string[] entries) =>
        new WriteBundleStep(ResourceAddress.Parse(address), "pem", "why", "/data/root.crt", source, null, entries.Length == 0 ? null : entries);

    private static PlanStep Crl(string source, params string[] entries) =>
        new WriteCrlStep(Addresses.RootCrl, "pem", "why", "/data/root.crl", source, null, entries.Length == 0 ? null : entries);

    [Theory]
    [InlineData("ca", new[] { Old, "ca" }, "/data/root.crt (0600) = the old CA + the new CA")]
    [InlineData("ca", new[] { Old, Older, "ca" }, "/data/root.crt (0600) = 2 old CAs + the new CA")]
    [InlineData("ca", new string[0], "/data/root.crt (0600) = the CA certificate")]
    [InlineData("/lab/trusted/ca.crt", new[] { Old, "trusted" }, "/data/root.crt (0600) = the old CA + the new CA from /lab/trusted/ca.crt")]
    [InlineData("/lab/trusted/ca.crt", new string[0], "/data/root.crt (0600) = /lab/trusted/ca.crt")]
    public void A_root_bundle_names_every_CA_it_will_hold(string source, string[] entries, string expected)
    {
        // Given a root.crt write, in a rotation's overlap or not
        var step = Bundle("server.root_crt", source, entries);

        // When it is viewed
        var target = Target(step);

        // Then
        Assert.Equal(expected, target);
    }

    [Fact]
    public void A_web_chain_of_intermediates_is_not_mistaken_for_a_rotation()
    {
        // Given a web chain file of two intermediates from a trusted CA (fingerprints only, no marker for a new CA)
        var step = Bundle("web.certificate", "/lab/trusted/ca.crt", Old, Older);

        // When it is viewed
        var target = Target(step);

        // Then it says what it holds, not "1 old CA(s) + the new CA" as the text plan once did
        Assert.Equal("/data/root.crt (0600) = 2 certificates from /lab/trusted/ca.crt", target);
    }

    [Theory]
    [InlineData("ca", new[] { Old, "ca" }, "/data/root.crl (0600) = the old CA's CRL + the new CA's CRL")]
    [InlineData("ca", new[] { Old, Older, "ca" }, "/data/root.crl (0600) = 2 old CAs' CRLs + the new CA's CRL")]
    [InlineData("ca", new string[0], "/data/root.crl (0600) signed by the CA")]
    [InlineData("/lab/trusted/ca.crl", new[] { Old, "trusted" }, "/data/root.crl (0600) = the old CA's CRL + the new CA's CRL from /lab/trusted/ca.crl")]
    public void A_root_crl_names_the_CA_of_every_CRL_it_will_hold(string source, string[] entries, string expected)
    {
        // Given a root.crl write, in a rotation's overlap or not
        var step = Crl(source, entries);

        // When it is viewed
        var target = Target(step);

        // Then
        Assert.Equal(expected, target);
    }

    [Fact]
    public void The_view_names_the_action_as_the_json_plan_does()
    {
        // Given a step
        var step = Crl("ca");

        // When it is viewed and written as JSON
        var view = StepView.Of(step);
        var json = PlanJsonRenderer.Step(step);

        // Then both name the action alike, from the model's table
        Assert.Equal("write_crl", view.Action);
        Assert.Equal(view.Action, json["action"]!.GetValue<string>());
        Assert.Equal("write CRL", view.Verb);
    }

    public static TheoryData<StepAction> Actions() => [.. Enum.GetValues<StepAction>()];

    [Theory]
    [MemberData(nameof(Actions))]
    public void Every_action_reads_the_same_in_the_text_plan_and_the_markdown_plan(StepAction action)
    {
        // Given a step of that action with every member set
        var step = SampleSteps.Of(action);

        // When it is rendered each way
        var plan = new Plan([step]);
        var text = PlanTextRenderer.Render(plan).Split('\n')[1];
        var markdown = PlanMarkdownRenderer.Render(plan).Split('\n').Single(l => l.StartsWith("- **", StringComparison.Ordinal));

        // Then the line says the same once Markdown's code spans and arrows (and the text plan's quotes) are read as plain text
        var view = StepView.Of(step);
        Assert.Equal($"  {view.Symbol} {view.Verb.PadRight(14)}{(view.Verb.Length >= 14 ? " " : "")}{Fragment.Plain(view.Target)}", text);
        Assert.Equal(
            Fragment.Plain(view.Target).Replace("'", "", StringComparison.Ordinal),
            markdown[(view.Verb.Length + 7)..].Replace("`", "", StringComparison.Ordinal).Replace(" → ", " -> ", StringComparison.Ordinal)
                .Replace(" ← ", " <- ", StringComparison.Ordinal).Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal));
        Assert.Equal(action.WireName(), view.Action);
    }
}
