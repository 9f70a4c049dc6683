using PemCertState.Crypto;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Execution;
using PemCertState.Tests.Support;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 6: a change of agents.user leaves no working credential behind. The certificate no agent uses any more
/// is revoked in root.crl (before the agents, loaded by the server last), its files are backed up and removed after the
/// agent restarted, and the role is reported, never dropped.
/// </summary>
public sealed class AgentUserModeChangeTests
{
    [Fact]
    public async Task Common_to_per_agent_revokes_the_common_certificate_and_removes_its_files_after_each_agent_restarted()
    {
        // Given two agents converged on the common certificate
        using var lab = Lab.Create(agents: 2, user: "common");
        await lab.ApplyAsync();
        var common = Path.Combine(lab.CertDir(1), "agent.crt");
        var serial = CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(common))[0]).Serial;

        // When the agents go to their own certificates
        SetUser(lab, "common", "per-agent");
        var plan = await lab.PlanAsync();

        // Then root.crl revokes the common serial before any agent step, and says why
        var crl = Assert.Single(plan.Steps.OfType<WriteCrlStep>());
        var revoked = Assert.Single(crl.Revoke!);
        Assert.Equal([serial], revoked.Serials);
        Assert.Contains("the common certificate /C=IN/ST=MH/L=Pune/O=PEM/CN=pem_agent_common_user", crl.Reason, StringComparison.Ordinal);
        Assert.Contains("is no longer used, so it is revoked", crl.Reason, StringComparison.Ordinal);
        var steps = plan.Steps.Select(s => (s.Address, s.Action)).ToList();
        Assert.True(steps.IndexOf((Addresses.RootCrl, StepAction.WriteCrl)) < steps.IndexOf((Addresses.AgentCertificate(1), StepAction.Install)));
        // and each agent's agent.key/agent.crt go only after that agent restarted on its own pair, before the server restart
        foreach (var id in new[] { 1, 2 })
        {
            var remove = steps.IndexOf((Addresses.AgentCertificate(id), StepAction.Remove));
            Assert.True(remove > steps.IndexOf((Addresses.AgentRestart(id), StepAction.Restart)));
            Assert.True(remove < steps.IndexOf((Addresses.ServerRestart, StepAction.Restart)));
            Assert.Equal([Path.Combine(lab.CertDir(id), "agent.key"), Path.Combine(lab.CertDir(id), "agent.crt")],
                plan.Steps.Single(s => s.Address == Addresses.AgentCertificate(id) && s.Action == StepAction.Remove).Paths);
        }
        // and the role is reported, not dropped
        Assert.Contains(plan.Warnings, w => w.Contains("role pem_agent_common_user", StringComparison.Ordinal)
            && w.Contains("pemstate never drops a role", StringComparison.Ordinal));

        // When it is applied
        await lab.ApplyAsync();

        // Then root.crl (signed by the CA) lists the serial, and the backup of agent.crt no longer verifies with CRL checking
        var backup = Directory.GetDirectories(Path.Combine(lab.CertDir(1), "certs")).Single(d => File.Exists(Path.Combine(d, "agent.crt")));
        var verify = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), "-CRLfile", Path.Combine(lab.DataDir, "root.crl"), Path.Combine(backup, "agent.crt"));
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("certificate revoked", verify.Output, StringComparison.Ordinal);
        var own = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), "-CRLfile", Path.Combine(lab.DataDir, "root.crl"), Path.Combine(lab.CertDir(1), "agent1.crt"));
        Assert.True(own.ExitCode == 0, own.Output);
        Assert.False(File.Exists(common));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent.key")));
        // and the next plan is empty
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task Per_agent_to_common_revokes_each_agents_own_certificate_and_the_ledger_records_the_common_one()
    {
        // Given two agents converged on their own certificates, with the ledger of revoke_removed
        using var lab = Lab.Create(agents: 2, revokeRemoved: true);
        await lab.ApplyAsync();
        var serials = new[] { 1, 2 }.Select(id => CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(id), $"agent{id}.crt")))[0]).Serial).ToList();

        // When they go to the common certificate, and it is applied
        SetUser(lab, "per-agent", "common");
        var (plan, _) = await lab.ApplyAsync();

        // Then each agent's own serial is revoked, with its reason, and its files are gone
        var crl = Assert.Single(plan.Steps.OfType<WriteCrlStep>());
        Assert.Equal(serials, crl.Revoke!.SelectMany(r => r.Serials));
        Assert.Contains(crl.Revoke!, r => r.Reason == $"agents.user is common: agent 1's own certificate (serial {serials[0]}) is no longer used, so it is revoked");
        Assert.Contains(plan.Warnings, w => w.Contains("roles agent1, agent2 are", StringComparison.Ordinal));
        var text = OpenSsl.Run("crl", "-in", Path.Combine(lab.DataDir, "root.crl"), "-noout", "-text").Output;
        foreach (var serial in serials)
            Assert.Contains($"Serial Number: {(serial.Length % 2 == 1 ? "0" + serial : serial)}", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.CertDir(1), "agent1.crt")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent2.key")));
        // and the ledger records the common certificate for both agents, retiring nobody
        var (ledger, _) = AgentLedger.Parse(File.ReadAllBytes(Path.Combine(lab.StateDir, AgentLedger.FileName)));
        var commonSerial = CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent.crt")))[0]).Serial;
        Assert.Equal([commonSerial, commonSerial], ledger!.Agents.Select(a => a.Serial));
        Assert.Empty(ledger.Retired);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task An_agent_without_a_restart_command_keeps_the_common_certificate_valid_and_its_files_until_it_restarted()
    {
        // Given two agents on the common certificate, with no restart command for the agents
        using var lab = Lab.Create(agents: 2, user: "common", agentRestart: "null");
        await lab.ApplyAsync();

        // When the agents go to their own certificates
        SetUser(lab, "common", "per-agent");
        var plan = await lab.PlanAsync();

        // Then nothing is revoked (the agents still run on it until restarted by hand), nothing removed, and the plan says so
        Assert.DoesNotContain(plan.Steps, s => s.Action is StepAction.WriteCrl or StepAction.Remove);
        Assert.Contains(plan.Warnings, w => w.Contains("is not revoked in this run: agents 1, 2 still run on it", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("remove agent.key and agent.crt from pem yourself", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_trusted_CA_the_plan_names_each_abandoned_certificate_for_the_CA_to_revoke_removes_its_files_and_installs_the_CRL_that_revokes_it()
    {
        // Given two agents converged on their own certificates from the trusted CA
        var now = TrustedRenewalTests.Clock();
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(now);
        var serials = new[] { 1, 2 }.Select(id => CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(id), $"agent{id}.crt")))[0]).Serial).ToList();

        // When they go to the common certificate: one request, signed by the CA, then applied
        SetUser(lab, "per-agent", "common");
        var (waiting, _) = await lab.ApplyAsync(now);
        Assert.Equal([Addresses.CommonAgentCertificate], waiting.Resources.Distinct());
        ExternalCa.Run(lab.Root, "sign");
        var (plan, _) = await lab.ApplyAsync(now);

        // Then each agent's own certificate is named for the CA's operator, with its serial and issuer, since pemstate cannot revoke it
        foreach (var (id, serial) in new[] { 1, 2 }.Zip(serials))
            Assert.Contains(plan.Warnings, w => w.Contains($"agent {id}'s own certificate (serial {serial}) is no longer used but stays valid until", StringComparison.Ordinal)
                && w.Contains($"ask the CA (/C=IN/O=Example Corp/CN=Example Issuing CA 1) to revoke serial {serial}", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("roles agent1, agent2 are", StringComparison.Ordinal) && w.Contains("never drops a role", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.WriteCrl);
        // and its files are backed up, then removed after the agent restarted on the common pair
        var steps = plan.Steps.Select(s => (s.Address, s.Action)).ToList();
        foreach (var id in new[] { 1, 2 })
        {
            Assert.True(steps.IndexOf((Addresses.AgentCertificate(id), StepAction.Remove)) > steps.IndexOf((Addresses.AgentRestart(id), StepAction.Restart)));
            Assert.False(File.Exists(Path.Combine(lab.CertDir(id), $"agent{id}.crt")));
            Assert.False(File.Exists(Path.Combine(lab.CertDir(id), $"agent{id}.key")));
            Assert.True(File.Exists(Path.Combine(lab.CertDir(id), "agent.crt")));
        }
        var backup = Assert.Single(Directory.GetFiles(Path.Combine(lab.CertDir(1), "certs"), "agent1.crt", SearchOption.AllDirectories),
            f => CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(f))[0]).Serial == serials[0]);
        var again = await lab.PlanAsync(now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));

        // When the CA revokes agent 1's certificate, as the plan asked, and publishes its CRL
        ExternalCa.Run(lab.Root, "revoke", extra: backup);
        var (revoked, _) = await lab.ApplyAsync(now);

        // Then root.crl becomes the CA's new CRL, which revokes it for the server, and the common pair still verifies
        Assert.Contains(revoked.Steps, s => s.Address == Addresses.RootCrl);
        var verify = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.Root, "trusted", "ca.crt"), "-CRLfile", Path.Combine(lab.DataDir, "root.crl"), backup);
        Assert.Contains("certificate revoked", verify.Output, StringComparison.Ordinal);
        var common = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.Root, "trusted", "ca.crt"), "-CRLfile", Path.Combine(lab.DataDir, "root.crl"), Path.Combine(lab.CertDir(1), "agent.crt"));
        Assert.True(common.ExitCode == 0, common.Output);
    }

    private static void SetUser(Lab lab, string from, string to)
    {
        var text = File.ReadAllText(lab.InventoryPath);
        Assert.Contains($"user: {from}", text, StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text.Replace($"user: {from}", $"user: {to}", StringComparison.Ordinal));
    }
}
