using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>agents.revoke_removed: serials into the CA's CRL, and the agent ledger written last.</summary>
internal sealed partial class Executor
{
    /// <summary>The CRL's earlier revocations plus the step's, each serial once.</summary>
    private static List<RevokedEntry> WithRevocations(List<RevokedEntry> earlier, IReadOnlyList<Retirement>? revoke, DateTimeOffset now)
    {
        var listed = earlier.Select(e => e.Serial).ToHashSet();
        foreach (var serial in (revoke ?? []).Where(r => r.Revoke).SelectMany(r => r.Serials))
        {
            var number = new BigInteger(serial, 16);
            if (listed.Add(number)) earlier.Add(new RevokedEntry(number, now));
        }
        return earlier;
    }

    /// <summary>
    /// The ledger as the hosts are after the steps before it: every managed agent with the certificate it holds now
    /// (issued in this apply, or the one observed), the entries of agents this run left alone (skipped hosts), and the
    /// step's agents moved to the retired list. Atomic, 0600: it names paths and serials, never key material.
    /// </summary>
    private static async Task WriteLedgerAsync(WriteLedgerStep step, IHost host, Run run, CancellationToken ct)
    {
        var agents = run.Desired.Agents;
        var old = run.Observed.Ledger?.Ledger;
        var entries = new List<LedgerEntry>();
        foreach (var agent in agents.List)
        {
            var certificate = HeldCertificate(step, run, agent)
                ?? throw new StepFailedException($"agent {agent.Id} holds no readable certificate to record in the ledger");
            entries.Add(AgentLedger.Entry(agents, agent, CertificateSummary.From(certificate)));
        }
        var leaving = step.Retire.ToDictionary(r => r.Agent);
        var managed = agents.List.Select(a => a.Id).ToHashSet();
        entries.AddRange((old?.Agents ?? []).Where(e => !managed.Contains(e.Id) && !leaving.ContainsKey(e.Id)));
        var retired = (old?.Retired ?? []).ToList();
        foreach (var entry in (old?.Agents ?? []).Where(e => leaving.ContainsKey(e.Id)))
        {
            var retirement = leaving[entry.Id];
            retired.Add(new RetiredAgent(entry, run.Now, retirement.Revoke, retirement.Serials, retirement.Reason));
        }
        var ledger = new AgentLedger(1, [.. entries.OrderBy(e => e.Id)], retired);
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(step.Path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(step.Path, ledger.ToBytes(), FileModes.Private, null, ct).ConfigureAwait(false);
    }

    /// <summary>An agent's certificate after this apply's installs: the shared pair (common user), the one issued for it, or the one observed.</summary>
    private static X509Certificate? HeldCertificate(WriteLedgerStep step, Run run, AgentSpec agent)
    {
        if (step.CommonSource is { } common) return CertificateOf(common, run);
        var address = Addresses.AgentCertificate(agent.Id);
        return run.Certificates.TryGetValue(address, out var issued) ? issued : run.Observed.Agents.GetValueOrDefault(agent.Id)?.Certificate.Certificate;
    }
}
