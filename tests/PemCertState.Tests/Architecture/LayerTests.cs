using Xunit;

namespace PemCertState.Tests.Architecture;

/// <summary>
/// Issue 19: the library's layers, checked on the compiled code, so a reference the layering forbids fails the build's
/// tests. Lower layers never use higher ones. Crypto, Inventory and Facts together are the model everything shares
/// (Facts: what the adapters report, as data: a file read from a host, a folder another account can change, a leftover,
/// a pg_hba line, a role). The adapters (Hosts, Configuration, Database) and State (the formats of pemstate's own files
/// on a host: the lock, backup manifests, the journal's lines) know only the model and not each other; the engine
/// (Planning, Verification) and the renderers touch no adapter that does I/O (Hosts, Database) and no Execution; what
/// talks to a live server for verify --connect is Application's. No exception is listed: there is none.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LayerTests
{
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        ["Crypto"] = 0, ["Inventory"] = 0, ["Facts"] = 0,
        ["Hosts"] = 1, ["Configuration"] = 1, ["Database"] = 1, ["State"] = 1,
        ["Observation"] = 2,
        ["Planning"] = 3,
        ["Verification"] = 4,
        ["Rendering"] = 5,
        ["Execution"] = 6,
        ["Application"] = 7,
    };

    private static readonly HashSet<string> Model = ["Crypto", "Inventory", "Facts"];
    private static readonly HashSet<string> Pure = ["Planning", "Verification", "Rendering"];
    private static readonly HashSet<string> DoesIo = ["Hosts", "Database", "Execution"];

    [Fact]
    public void No_layer_uses_one_the_layering_forbids()
    {
        // Given every reference between the library's layers, read from its compiled code
        var edges = LayerGraph.Of(typeof(PemCertState.Planning.Planner).Assembly.Location, "PemCertState");

        // Then every layer has a place in the order
        var unranked = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Where(l => !Rank.ContainsKey(l)).Distinct().ToList();
        Assert.True(unranked.Count == 0, $"give these layers a rank in LayerTests: {string.Join(", ", unranked)}");

        // and no reference breaks the rules
        var violations = edges
            .Where(e => !Allowed(e.Key.From, e.Key.To))
            .SelectMany(e => e.Value.Select(pair => Qualified(e.Key.From, e.Key.To, pair)))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(violations.Count == 0, "references the layering forbids:\n  " + string.Join("\n  ", violations));
    }

    [Fact]
    public void A_reference_the_layering_forbids_is_caught()
    {
        // Given the rules as the test applies them
        // Then each kind of reference they forbid is refused: upward, sideways between adapters, and I/O from the engine
        Assert.False(Allowed("Planning", "Execution"));
        Assert.False(Allowed("Observation", "Planning"));
        Assert.False(Allowed("Hosts", "Database"));
        Assert.False(Allowed("State", "Hosts"));
        Assert.False(Allowed("Planning", "Hosts"));
        Assert.False(Allowed("Verification", "Database"));
        Assert.False(Allowed("Rendering", "Execution"));
        Assert.False(Allowed("Inventory", "Observation"));
        // and what they allow is allowed: the model among itself, downward, and Application over everything
        Assert.True(Allowed("Inventory", "Facts"));
        Assert.True(Allowed("Planning", "Observation"));
        Assert.True(Allowed("Observation", "Hosts"));
        Assert.True(Allowed("Application", "Database"));
    }

    [Fact]
    public void The_graph_sees_a_fully_qualified_reference_and_a_lambdas_reference_as_its_types()
    {
        // Given the library, where Planner (Planning) calls Crypto.ChainCheck fully qualified inside a method body
        var edges = LayerGraph.Of(typeof(PemCertState.Planning.Planner).Assembly.Location, "PemCertState");

        // Then that use is an edge Planning -> Crypto named by its types
        Assert.Contains("Planner -> ChainCheck", edges[("Planning", "Crypto")]);
        Assert.Contains("Planner -> Revocation", edges[("Planning", "Crypto")]);
    }

    private static bool Allowed(string from, string to)
    {
        if (Model.Contains(from) && Model.Contains(to)) return true;
        if (Pure.Contains(from) && DoesIo.Contains(to)) return false;
        return Rank[to] < Rank[from];
    }

    private static string Qualified(string from, string to, string pair)
    {
        var parts = pair.Split(" -> ");
        return $"{from}.{parts[0]} -> {to}.{parts[1]}";
    }
}
