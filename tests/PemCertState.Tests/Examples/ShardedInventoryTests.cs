using System.Text.RegularExpressions;
using PemCertState.Inventory;
using PemCertState.Tests.Inventory;
using Xunit;

namespace PemCertState.Tests.Examples;

/// <summary>
/// examples/gitops/sharded: one CA inventory, shards of agents that carry its CA and server unchanged but for their own
/// state_dir (so their own apply lock), and fleet.yaml, every agent at once, for CA rotation. What keeps them from
/// fighting over the server is only that they agree: these tests hold them to it.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class ShardedInventoryTests
{
    private static readonly string Folder = Path.Combine(InventoryText.RepositoryRoot(), "examples", "gitops", "sharded");

    private static string[] Shards => [.. Directory.GetFiles(Folder, "shard-*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static TheoryData<string> Inventories() => [.. Shards.Prepend("ca.yaml").Append("fleet.yaml")];

    [Theory]
    [MemberData(nameof(Inventories))]
    public void Every_inventory_loads_without_diagnostics(string file)
    {
        // When
        var result = InventoryLoader.Load(Path.Combine(Folder, file));

        // Then
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.True(result.IsValid);
        Assert.False(result.State!.Agents.RevokeRemoved, $"{file}: a shard's ledger knows only its own agents, so revoke_removed must stay off");
    }

    [Theory]
    [MemberData(nameof(Inventories))]
    public void Every_inventory_carries_the_CA_inventorys_ca_and_server_but_for_state_dir(string file)
    {
        // Given
        var ca = File.ReadAllText(Path.Combine(Folder, "ca.yaml"));
        var other = File.ReadAllText(Path.Combine(Folder, file));

        // Then
        Assert.Equal(Block(ca, "ca"), Block(other, "ca"));
        Assert.Equal(StateDirLine().Replace(Block(ca, "server"), ""), StateDirLine().Replace(Block(other, "server"), ""));
        Assert.Equal(Block(ca, "agents").Split("  list:")[0], Block(other, "agents").Split("  list:")[0]);
    }

    [Fact]
    public void Each_shard_has_its_own_state_dir_and_fleet_shares_the_CA_inventorys()
    {
        // When
        var ca = Load("ca.yaml").Server.StateDir;
        var shards = Shards.Select(s => Load(s).Server.StateDir).ToList();

        // Then
        Assert.Equal(shards.Count, shards.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(ca, shards);
        Assert.Equal(ca, Load("fleet.yaml").Server.StateDir);
    }

    [Fact]
    public void Every_agent_is_in_exactly_one_of_the_CA_inventory_and_the_shards_and_all_of_them_in_fleet()
    {
        // When
        var ids = Shards.Prepend("ca.yaml").SelectMany(f => Load(f).Agents.List.Select(a => a.Id)).ToList();
        var fleet = Load("fleet.yaml").Agents.List.Select(a => a.Id).ToList();

        // Then
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Order(), fleet.Order());
        Assert.True(Shards.Length >= 2);
    }

    private static DesiredState Load(string file)
    {
        var result = InventoryLoader.Load(Path.Combine(Folder, file));
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        return result.State!;
    }

    /// <summary>A top-level block's text: its key line and every indented line after it.</summary>
    private static string Block(string yaml, string key)
    {
        var lines = yaml.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(key + ":", StringComparison.Ordinal));
        Assert.True(start >= 0, $"no {key}: block");
        return string.Join('\n', lines.Skip(start).TakeWhile((l, i) => i == 0 || l.StartsWith(' ') || l.Length == 0)).TrimEnd();
    }

    [GeneratedRegex(@"(?m)^  state_dir: .*\n")]
    private static partial Regex StateDirLine();
}
