using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 19: a plan step is one sealed record per action, each with the members its action needs; the executor and the
/// renderers match on the type. These hold the hierarchy closed and complete, and the JSON plan as it always was.
/// </summary>
[Trait("Category", "Unit")]
public sealed class PlanStepTypesTests
{
    public static TheoryData<StepAction> Actions() => [.. Enum.GetValues<StepAction>()];

    [Fact]
    public void Every_action_has_exactly_one_sealed_step_type_and_every_step_type_is_sealed()
    {
        // Given every concrete type of the library that is a plan step
        var types = typeof(PlanStep).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(PlanStep))).ToList();

        // Then each is sealed, named after its action, and there is one per action, no more
        Assert.True(typeof(PlanStep).IsAbstract);
        Assert.All(types, t => Assert.True(t.IsSealed, $"{t.Name} is not sealed"));
        Assert.Equal(
            Enum.GetValues<StepAction>().Select(a => a + "Step").Order(StringComparer.Ordinal),
            types.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void A_step_type_says_its_own_action_and_the_json_plan_writes_it_as_the_published_schema_wants(StepAction action)
    {
        // Given a step of that action with every member set
        var step = SampleSteps.Of(action);

        // When the plan holding it is written as JSON
        var text = PlanJsonRenderer.Render(new Plan([step]));
        using var json = JsonDocument.Parse(text);
        var result = PemCertState.Tests.Rendering.PlanJsonSchemaTests.PlanSchema().Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        // Then its type is its action's, and the step validates, under its action's wire name, with its files as paths
        Assert.Equal(action + "Step", step.GetType().Name);
        Assert.Equal(action, step.Action);
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => !d.IsValid).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors?.Values.ToList() ?? [])}")));
        var written = JsonNode.Parse(text)!["steps"]![0]!;
        Assert.Equal(action.WireName(), (string?)written["action"]);
        Assert.Equal(step.Paths, written["paths"]!.AsArray().Select(p => (string?)p));
    }

    [Fact]
    public void A_key_file_step_always_writes_0600_so_no_plan_can_ask_for_a_wider_mode()
    {
        // Given every step that writes a key or a file that names key material's neighbours (pairs, pending keys, bundles, CRLs)
        StepAction[] writers = [StepAction.Install, StepAction.InstallSigned, StepAction.RequestSignature, StepAction.WriteBundle, StepAction.WriteCrl, StepAction.WriteLedger];

        // When each is written as JSON
        // Then its mode is 0600: the type fixes it, no member can widen it
        Assert.All(writers, a => Assert.Equal("0600", (string?)JsonNode.Parse(PlanJsonRenderer.Render(new Plan([SampleSteps.Of(a)])))!["steps"]![0]!["mode"]));
    }
}
