using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PemCertState.Application;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// At fleet scale pemstate's own state files pass the 8 MiB a managed file may hold (a converging apply of 10,000 agents
/// journals ~100,000 lines, ~12.5 MB): a plan after such an apply must read them and plan as usual, not refuse them.
/// </summary>
public sealed class BigStateFileTests
{
    [Fact]
    public async Task A_plan_after_an_apply_whose_journal_is_past_8_MiB_plans_normally()
    {
        // Given a converged lab whose journal holds, before its end line, completed-step lines enough to pass 8 MiB
        using var lab = Lab.Create(agents: 2);
        var outcome = await new ApplyOperation(desired => new HostSet(desired), NullLoggerFactory.Instance, new FakeTimeProvider(Lab.Today))
            .RunAsync(new ApplyRequest(lab.InventoryPath), _ => { }, CancellationToken.None);
        Assert.Equal(ApplyStatus.Done, outcome.Status);
        var path = Path.Combine(lab.StateDir, Journal.FileName);
        var lines = File.ReadAllLines(path).ToList();
        var completed = lines.First(l => l.Contains("\"event\":\"completed\"", StringComparison.Ordinal));
        var copies = (int)(FileLimits.Managed / Encoding.UTF8.GetByteCount(completed + "\n")) + 1000;
        var grown = new StringBuilder();
        foreach (var line in lines.Take(lines.Count - 1)) grown.Append(line).Append('\n');
        for (var i = 0; i < copies; i++) grown.Append(completed).Append('\n');
        grown.Append(lines[^1]).Append('\n');
        File.WriteAllText(path, grown.ToString());
        Assert.True(new FileInfo(path).Length > FileLimits.Managed);
        var before = JournalReader.Read(File.ReadAllBytes(path));
        Assert.NotNull(before);

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then the plan is empty and warns of nothing, as for the same lab with a small journal
        Assert.Empty(plan.Steps);
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("journal", StringComparison.OrdinalIgnoreCase) || w.Contains("more than", StringComparison.Ordinal));
    }
}
