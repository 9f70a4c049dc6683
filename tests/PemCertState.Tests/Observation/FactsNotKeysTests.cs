using System.Collections;
using System.Reflection;
using Org.BouncyCastle.Crypto;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Observing;

/// <summary>
/// Issue 19's facts, not keys: what observation hands the planner holds no private key, even where pemstate runs and
/// reads the key files itself (transport: local); a key is used only at the step that signs, copies or logs in with it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FactsNotKeysTests
{
    [Fact]
    public async Task What_a_local_observation_holds_reaches_no_private_key_and_the_planner_still_compares_every_pair()
    {
        // Given a converged local lab (CA, server and two agents, every key file readable here)
        using var lab = Lab.Create(agents: 2);
        var (_, applied) = await lab.ApplyAsync();
        Assert.Null(applied.Failure);

        // When it is observed
        var observed = await lab.ObserveAsync();

        // Then every key is known by its public half, and nothing reachable from the observation is a private key
        Assert.True(observed.Server.CaKey.Readable && observed.Server.Key.Readable);
        Assert.All(observed.Agents.Values, a => Assert.True(a.Key.Readable));
        var privateKeys = Reachable(observed).OfType<AsymmetricKeyParameter>().Where(k => k.IsPrivate).ToList();
        Assert.Empty(privateKeys);
        Assert.True((await lab.PlanAsync()).IsEmpty);

        // and a key that no longer matches its certificate is still found, from the facts alone
        File.Copy(Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(2), "agent2.key"), overwrite: true);
        var plan = await lab.PlanAsync();
        Assert.Contains(plan.Steps, s => s.Address == PemCertState.Inventory.Addresses.AgentCertificate(2));
    }

    /// <summary>Every object reachable from <paramref name="root"/> through fields (a record's properties are fields underneath).</summary>
    private static List<object> Reachable(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>([root]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next)) continue;
            var type = next.GetType();
            if (type.IsPrimitive || next is string || type.IsEnum || next is Type || next is Delegate) continue;
            if (next is IEnumerable items and not byte[])
                foreach (var item in items) if (item is not null) pending.Push(item);
            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    if (!field.FieldType.IsPointer && field.GetValue(next) is { } value && !value.GetType().IsPrimitive) pending.Push(value);
        }
        return [.. seen];
    }
}
