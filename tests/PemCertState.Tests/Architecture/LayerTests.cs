using Xunit;

namespace PemCertState.Tests.Architecture;

/// <summary>
/// Issue 19: the library's layers, checked on the compiled code, so a reference the layering forbids fails the build's
/// tests. Lower layers never use higher ones; Crypto and Inventory together are the model everything shares; the adapters
/// (Hosts, Configuration, Database) and State (the formats of pemstate's own files on a host: backup manifests, the
/// journal's lines) know only the model and not each other; the engine (Planning, Verification) and the
/// renderers touch no adapter that does I/O (Hosts, Database) and no Execution. The references that break these rules
/// today are listed by name below: that list may only shrink. A new one fails; one that is gone must leave the list.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LayerTests
{
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        ["Crypto"] = 0, ["Inventory"] = 0,
        ["Hosts"] = 1, ["Configuration"] = 1, ["Database"] = 1, ["State"] = 1,
        ["Observation"] = 2,
        ["Planning"] = 3,
        ["Verification"] = 4,
        ["Rendering"] = 5,
        ["Execution"] = 6,
        ["Application"] = 7,
    };

    private static readonly HashSet<string> Model = ["Crypto", "Inventory"];
    private static readonly HashSet<string> Pure = ["Planning", "Verification", "Rendering"];
    private static readonly HashSet<string> DoesIo = ["Hosts", "Database", "Execution"];

    /// <summary>The references that still break the rules, as "Layer.Type -> Layer.Type". Shrink it; never grow it.</summary>
    private static readonly string[] KnownViolations =
    [
        // The lock (its holder and the check that it still runs), the journal reader (it builds an Observed type) and the managed folders still live in Execution.
        "Observation.ObservedLock -> Execution.LockHolder", "Observation.Observer -> Execution.ApplyLock",
        "Observation.Observer -> Execution.Journal", "Observation.Observer -> Execution.ManagedFolders",
        // The planners still name host-side types, the lock holder and the managed folders, and database facts.
        "Planning.LeftoverCleanup -> Execution.ManagedFolders", "Planning.Planner -> Execution.LockHolder",
        "Planning.StateMigration -> Hosts.WritableFolder",
        "Planning.Consumer -> Hosts.FileSnapshot", "Planning.Consumer -> Hosts.IHost",
        "Planning.FolderSafety -> Hosts.WritableFolder", "Planning.LeftoverCleanup -> Hosts.LeftoverEntry",
        "Planning.LeftoverCleanup -> Hosts.LeftoverKind", "Planning.LeftoverCleanup -> Hosts.LeftoverProof",
        "Planning.StateFolderSafety -> Hosts.WritableFolder", "Planning.DatabasePlanner -> Database.HbaCheck",
        "Planning.DatabasePlanner -> Database.HbaRule", "Planning.DatabasePlanner -> Database.RoleFacts",
        // verify --connect asks the database from inside Verification.
        "Verification.DatabaseVerifier -> Database.HbaCheck", "Verification.DatabaseVerifier -> Database.HbaRule",
        "Verification.DatabaseVerifier -> Database.RoleFacts", "Verification.LiveVerifier -> Database.PemDatabase",
        "Verification.LiveVerifier -> Database.ServerCertificateCheck", "Verification.LiveVerifier -> Database.ServerTrust",
    ];

    [Fact]
    public void No_layer_uses_one_the_layering_forbids_beyond_the_known_list_and_the_list_holds_nothing_that_is_gone()
    {
        // Given every reference between the library's layers, read from its compiled code
        var edges = LayerGraph.Of(typeof(PemCertState.Planning.Planner).Assembly.Location, "PemCertState");

        // Then every layer has a place in the order
        var unranked = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Where(l => !Rank.ContainsKey(l)).Distinct().ToList();
        Assert.True(unranked.Count == 0, $"give these layers a rank in LayerTests: {string.Join(", ", unranked)}");

        // and the references that break the rules are exactly the known ones
        var violations = edges
            .Where(e => !Allowed(e.Key.From, e.Key.To))
            .SelectMany(e => e.Value.Select(pair => Qualified(e.Key.From, e.Key.To, pair)))
            .ToHashSet(StringComparer.Ordinal);
        var added = violations.Except(KnownViolations).Order(StringComparer.Ordinal).ToList();
        var gone = KnownViolations.Except(violations).Order(StringComparer.Ordinal).ToList();
        Assert.True(added.Count == 0, "references the layering forbids:\n  " + string.Join("\n  ", added));
        Assert.True(gone.Count == 0, "no longer there: take them out of KnownViolations:\n  " + string.Join("\n  ", gone));
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
