using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>What counts as the saved plan's promise, and how a broken one is told on stderr.</summary>
[Trait("Category", "Unit")]
public sealed class SavedPlanDifferencesTests
{
    [Fact]
    public async Task Reasons_and_before_summaries_may_differ_the_steps_may_not()
    {
        // Given a saved plan of a converged lab's renewal, its reasons reworded and a before summary dropped
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        var plan = await lab.PlanAsync();
        var saved = Save(plan);
        foreach (var step in saved.Steps)
        {
            step["reason"] = "said another way, a day later";
            step.Remove("before");
        }

        // When, Then the promise holds
        Assert.Empty(SavedPlanDifferences.Between(saved, plan));
    }

    [Fact]
    public async Task A_terminal_escape_in_an_edited_value_is_printed_escaped()
    {
        // Given a saved plan whose server restart command carries an escape sequence
        using var lab = Lab.Create(agents: 1);
        var plan = await lab.PlanAsync();
        var saved = Save(plan);
        saved.Steps.Single(s => s["address"]!.GetValue<string>() == "restart[server]")["command"] = "clear\u001b[2J";

        // When
        var differences = SavedPlanDifferences.Between(saved, plan);

        // Then one line names it, with the escape spelled out rather than sent to the terminal
        var line = Assert.Single(differences);
        Assert.Contains("restart[server] (restart) on pem: command: the plan file has \"clear\\u001B[2J\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', line);
    }

    [Fact]
    public async Task The_same_steps_in_another_order_are_named_as_such()
    {
        // Given a saved plan whose two restarts swapped places (the server would no longer restart last)
        using var lab = Lab.Create(agents: 1);
        var plan = await lab.PlanAsync();
        var saved = Save(plan);
        var steps = saved.Steps.ToList();
        var agent = steps.FindIndex(s => s["address"]!.GetValue<string>() == "restart[agent 1]");
        var server = steps.FindIndex(s => s["address"]!.GetValue<string>() == "restart[server]");
        (steps[agent], steps[server]) = (steps[server], steps[agent]);

        // When
        var differences = SavedPlanDifferences.Between(saved with { Steps = steps }, plan);

        // Then
        Assert.Equal([$"steps {agent + 1} to {server + 1}: the same steps in another order"], differences);
    }

    private static SavedPlan Save(PemCertState.Planning.Plan plan) =>
        PlanJsonReader.Read(PlanJsonRenderer.Render(plan, new SavedPlanContext("/lab/pemstate.yaml", new string('0', 64), new Dictionary<string, string>())));
}
