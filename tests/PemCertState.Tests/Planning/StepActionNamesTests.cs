using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>Issue 19: an action's name on the wire is written once, in the model, and the JSON writer, the saved-plan reader and the schema agree on it.</summary>
[Trait("Category", "Unit")]
public sealed class StepActionNamesTests
{
    [Fact]
    public void Every_action_has_its_own_wire_name_and_it_reads_back_as_that_action()
    {
        // Given every action
        var actions = Enum.GetValues<StepAction>();

        // When each is named and the name read back
        var names = actions.Select(a => a.WireName()).ToList();

        // Then no two share a name, and each name reads back as its action
        Assert.Equal(actions.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(actions, a => Assert.True(StepActionNames.TryParse(a.WireName(), out var read) && read == a, a.ToString()));
        Assert.False(StepActionNames.TryParse("GenerateKey", out _));
    }

    [Fact]
    public void The_names_are_the_ones_earlier_versions_wrote_so_their_saved_plans_and_journals_still_read()
    {
        // Given the snake_case names the JSON plan used before the table existed (derived from the enum's member names)
        // Then the table gives the same name for every action
        Assert.All(Enum.GetValues<StepAction>(), a => Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName(a.ToString()), a.WireName()));
    }

    [Fact]
    public void The_published_schema_lists_exactly_the_wire_names()
    {
        // Given the action enum of schemas/plan.schema.json, as the library embeds it
        using var stream = typeof(PlanJsonRenderer).Assembly.GetManifestResourceStream("plan.schema.json")!;
        var schema = JsonNode.Parse(stream)!;
        var published = schema["$defs"]!["action"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

        // Then it is the table, in the same order
        Assert.Equal(StepActionNames.All, published);
    }
}
