using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>
/// Issue 19: during a CA rotation root.crt and root.crl are written twice, first with the old CA beside the new one,
/// then with the new one alone. Every rendering of the plan must show that overlap, not two identical writes.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RotationPlanRenderingTests
{
    private static async Task<Plan> RotationAsync(Lab lab)
    {
        await lab.ApplyAsync();
        return Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions(RotateCa: true));
    }

    private static List<string> Lines(string text, string start, string file) =>
        [.. text.Split('\n').Where(l => l.TrimStart().StartsWith(start, StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal))];

    [Fact]
    public async Task The_markdown_plan_shows_root_crt_and_root_crl_holding_the_old_CA_beside_the_new_one_before_the_new_one_alone()
    {
        // Given a converged lab whose CA is rotated
        using var lab = Lab.Create(agents: 1);
        var plan = await RotationAsync(lab);

        // When
        var markdown = PlanMarkdownRenderer.Render(plan);

        // Then the first write of each file names both CAs, the second the new one alone
        var bundles = Lines(markdown, "- **write bundle**", "root.crt");
        var crls = Lines(markdown, "- **write CRL**", "root.crl");
        Assert.Equal(2, bundles.Count);
        Assert.Equal(2, crls.Count);
        Assert.EndsWith(" = the old CA + the new CA", bundles[0], StringComparison.Ordinal);
        Assert.EndsWith(" = the CA certificate", bundles[1], StringComparison.Ordinal);
        Assert.EndsWith(" = the old CA's CRL + the new CA's CRL", crls[0], StringComparison.Ordinal);
        Assert.EndsWith(" signed by the CA", crls[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_step_of_a_rotation_reads_the_same_in_the_text_plan_and_in_the_markdown_plan()
    {
        // Given a converged lab whose CA is rotated
        using var lab = Lab.Create(agents: 1);
        var plan = await RotationAsync(lab);

        // When both are rendered
        var text = PlanTextRenderer.Render(plan);
        var markdown = PlanMarkdownRenderer.Render(plan);

        // Then each step's line says the same, once Markdown's code spans and arrows are read as text
        var fromText = text.Split('\n').Select(TextStep).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var fromMarkdown = markdown.Split('\n').Select(MarkdownStep).OfType<string>().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(plan.Steps.Count, fromText.Count);
        Assert.Equal(fromText, fromMarkdown);
        Assert.Contains(fromText, l => l.StartsWith("write bundle: ", StringComparison.Ordinal) && l.EndsWith(" = the old CA + the new CA", StringComparison.Ordinal));
    }

    private static readonly string[] Verbs = [.. Enum.GetValues<StepAction>().Select(StepView.VerbOf).OrderByDescending(v => v.Length)];

    /// <summary>"  + write bundle  /x/root.crt (0600) = ..." as "write bundle: /x/root.crt (0600) = ...".</summary>
    private static string? TextStep(string line)
    {
        if (line.Length < 5 || !line.StartsWith("  ", StringComparison.Ordinal) || line[3] != ' ' || !"+~-!=?>".Contains(line[2], StringComparison.Ordinal)) return null;
        var rest = line[4..];
        var verb = Verbs.First(v => rest.StartsWith(v + " ", StringComparison.Ordinal));
        return $"{verb}: {rest[verb.Length..].TrimStart()}";
    }

    /// <summary>"- **write bundle** `/x/root.crt` (0600) = ..." as "write bundle: /x/root.crt (0600) = ...".</summary>
    private static string? MarkdownStep(string line)
    {
        if (!line.StartsWith("- **", StringComparison.Ordinal)) return null;
        var end = line.IndexOf("** ", 4, StringComparison.Ordinal);
        var words = line[(end + 3)..].Replace("`", "", StringComparison.Ordinal).Replace(" → ", " -> ", StringComparison.Ordinal)
            .Replace(" ← ", " <- ", StringComparison.Ordinal).Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal);
        return $"{line[4..end]}: {words}";
    }
}
