using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>`plan --markdown`: what a reviewer reads in a pull-request comment.</summary>
[Trait("Category", "Unit")]
public sealed class MarkdownPlanTests
{
    [Fact]
    public async Task A_fresh_lab_shows_the_counts_first_then_every_resource_in_a_collapsed_section()
    {
        // Given
        using var lab = Lab.Create();

        // When
        var markdown = PlanMarkdownRenderer.Render(await lab.PlanAsync());

        // Then
        Assert.StartsWith(PlanMarkdownRenderer.Marker + "\n## pemstate plan: 20 steps on 12 resources, 1 host\n", markdown, StringComparison.Ordinal);
        Assert.Equal(12, markdown.Split("<details>").Length - 1);
        Assert.Equal(12, markdown.Split("</details>").Length - 1);
        Snapshot.Match(lab.Normalize(markdown));
    }

    [Fact]
    public async Task A_drifted_lab_shows_the_reasons_and_the_certificate_being_replaced()
    {
        // Given a converged lab with one agent key deleted and the server key readable by others
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        File.Delete(Path.Combine(lab.CertDir(2), "agent2.key"));
        File.SetUnixFileMode(Path.Combine(lab.DataDir, "server.key"), (UnixFileMode)0b110_100_100);

        // When
        var markdown = PlanMarkdownRenderer.Render(await lab.PlanAsync());

        // Then
        Assert.Contains("  - why: server.key has mode 0644, want 0600\n", markdown, StringComparison.Ordinal);
        Assert.Contains("  - before: `/C=IN/ST=MH/L=Pune/O=PEM/CN=agent2`", markdown, StringComparison.Ordinal);
        Snapshot.Match(lab.Normalize(markdown));
    }

    [Fact]
    public async Task A_converged_lab_says_no_changes()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();

        // When
        var markdown = PlanMarkdownRenderer.Render(await lab.PlanAsync());

        // Then
        Snapshot.Match(markdown);
    }

    [Fact]
    public async Task Two_labs_in_the_same_state_give_the_same_comment()
    {
        // Given two labs built separately (other folders, other keys, other serials)
        using var first = Lab.Create();
        using var second = Lab.Create();
        await first.ApplyAsync();
        await second.ApplyAsync();
        File.Delete(Path.Combine(first.CertDir(1), "agent1.key"));
        File.Delete(Path.Combine(second.CertDir(1), "agent1.key"));

        // When
        var a = first.Normalize(PlanMarkdownRenderer.Render(await first.PlanAsync()));
        var b = second.Normalize(PlanMarkdownRenderer.Render(await second.PlanAsync()));

        // Then nothing but the normalized folder, serials and fingerprints differs: no time, no random id
        Assert.Equal(a, b);
    }

    [Fact]
    public void Text_from_the_inventory_cannot_inject_markup_into_the_comment()
    {
        // Given a step whose path, command and reason hold Markdown and HTML
        var plan = new Plan([
            new RestartStep(ResourceAddress.Parse("restart[agent 1]"), "pem", "because <img src=x> *and* [link](http://x) | pipe", "echo `date` </details>"),
        ]);

        // When
        var markdown = PlanMarkdownRenderer.Render(plan);

        // Then
        Assert.Contains("- **restart** run: `` echo `date` </details> ``\n", markdown, StringComparison.Ordinal);
        Assert.Contains("  - why: because &lt;img src=x&gt; \\*and\\* \\[link\\](http://x) \\| pipe\n", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_longer_than_the_limit_leaves_out_whole_sections_and_says_so()
    {
        // Given
        using var lab = Lab.Create(agents: 3);
        var plan = await lab.PlanAsync();
        var full = PlanMarkdownRenderer.Render(plan);

        // When
        var cut = PlanMarkdownRenderer.Render(plan, full.Length / 2);

        // Then
        Assert.True(cut.Length <= full.Length / 2);
        Assert.Equal(cut.Split("<details>").Length, cut.Split("</details>").Length);
        Assert.Matches(@"\n\*\d+ more sections left out to keep this comment short; `pemstate plan` prints the whole plan\.\*\n$", cut);
    }
}
