using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>agents.revoke_removed: an agent that leaves the managed set is revoked in root.crl and its files are backed up and removed.</summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task An_agent_removed_from_the_inventory_is_revoked_its_files_removed_and_the_server_restarted_last()
    {
        // Given a converged lab of three agents with revoke_removed, and agent 3 taken out of the inventory
        using var lab = Lab.Create(agents: 3, revokeRemoved: true);
        await lab.ApplyAsync();
        var serial = Serial(Path.Combine(lab.CertDir(3), "agent3.crt"));
        lab.RemoveAgent(3);

        // When
        var plan = await lab.PlanAsync();

        // Then: CRL first (server side), then the agent's backup and removal, the server restart, the ledger last
        Assert.Equal(
            [("server.root_crl", StepAction.Backup), ("server.root_crl", StepAction.WriteCrl),
             ("agent[3].certificate", StepAction.Backup), ("agent[3].certificate", StepAction.Remove),
             ("restart[server]", StepAction.Restart), ("agents.ledger", StepAction.WriteLedger)],
            plan.Steps.Select(s => (s.Address.ToString(), s.Action)));
        var crl = Assert.IsType<WriteCrlStep>(plan.Steps[1]);
        Assert.Equal($"agent 3 is no longer in the inventory: its certificate (serial {serial}) is revoked", crl.Reason);
        Assert.Equal([serial], Assert.Single(crl.Revoke!).Serials);
        var remove = plan.Steps[3];
        Assert.Equal([Path.Combine(lab.CertDir(3), "agent3.key"), Path.Combine(lab.CertDir(3), "agent3.crt")], remove.Paths);
        Assert.StartsWith("agent 3 is no longer in the inventory", remove.Reason, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(Assert.IsType<WriteLedgerStep>(plan.Steps[5]).Retire).Agent);
        Assert.DoesNotContain(plan.Steps, s => s.Address.ToString().StartsWith("restart[agent", StringComparison.Ordinal));
        Snapshooter.Xunit.Snapshot.Match(lab.Normalize(PemCertState.Rendering.PlanTextRenderer.Render(plan)));
    }

    [Fact]
    public async Task Apply_revokes_the_serial_keeps_earlier_revocations_backs_up_the_files_and_a_second_plan_is_empty()
    {
        // Given agent 2 revoked earlier, then agent 3 removed
        using var lab = Lab.Create(agents: 3, revokeRemoved: true);
        await lab.ApplyAsync();
        var serial2 = Serial(Path.Combine(lab.CertDir(2), "agent2.crt"));
        var serial3 = Serial(Path.Combine(lab.CertDir(3), "agent3.crt"));
        var agent3Key = File.ReadAllBytes(Path.Combine(lab.CertDir(3), "agent3.key"));
        lab.RemoveAgent(2);
        await lab.ApplyAsync(Lab.Today.AddMinutes(1));
        lab.RemoveAgent(3);
        File.WriteAllText(lab.RestartLog, "");

        // When
        await lab.ApplyAsync(Lab.Today.AddMinutes(2));

        // Then root.crl, signed by the CA, lists both serials (openssl is the checker)
        var crl = Path.Combine(lab.DataDir, "root.crl");
        var text = OpenSsl.Run("crl", "-in", crl, "-noout", "-text", "-CAfile", Path.Combine(lab.DataDir, "root.crt"));
        Assert.Contains("verify OK", text.Output, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {OpenSslSerial(serial2)}", text.Output, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {OpenSslSerial(serial3)}", text.Output, StringComparison.Ordinal);
        // agent 1 still verifies with CRL checking; agent 3's certificate (from its backup) does not
        var backup = Directory.GetDirectories(Path.Combine(lab.CertDir(3), "certs")).Single();
        var verify1 = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), "-CRLfile", crl, Path.Combine(lab.CertDir(1), "agent1.crt"));
        Assert.True(verify1.ExitCode == 0, verify1.Output);
        var verify3 = OpenSsl.Run("verify", "-crl_check", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), "-CRLfile", crl, Path.Combine(backup, "agent3.crt"));
        Assert.NotEqual(0, verify3.ExitCode);
        Assert.Contains("certificate revoked", verify3.Output, StringComparison.Ordinal);
        // the files are gone from the agent's folder, and the backup has them with a manifest
        Assert.False(File.Exists(Path.Combine(lab.CertDir(3), "agent3.key")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(3), "agent3.crt")));
        Assert.Equal(agent3Key, File.ReadAllBytes(Path.Combine(backup, "agent3.key")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(backup, "agent3.key")));
        Assert.Contains("agent3.key", File.ReadAllText(Path.Combine(backup, "manifest.json")), StringComparison.Ordinal);
        // the server restarted (to load the CRL), no agent did
        Assert.Equal(["server"], File.ReadAllLines(lab.RestartLog));
        // the ledger: 0600, agent 1 managed, agents 2 and 3 retired with their serials and reasons
        var ledgerPath = Path.Combine(lab.StateDir, AgentLedger.FileName);
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(ledgerPath));
        var (ledger, _) = AgentLedger.Parse(File.ReadAllBytes(ledgerPath));
        Assert.Equal([1], ledger!.Agents.Select(a => a.Id));
        Assert.Equal([(2, serial2), (3, serial3)], ledger.Retired.Select(r => (r.Agent.Id, Assert.Single(r.Serials))));
        Assert.All(ledger.Retired, r => Assert.True(r.Revoked));
        Assert.Equal("agent 3 is no longer in the inventory: its certificate (serial " + serial3 + ") is revoked", ledger.Retired[1].Reason);

        // and a second plan is empty, and an apply of it changes nothing
        var before = lab.Fingerprint();
        var (again, _) = await lab.ApplyAsync(Lab.Today.AddMinutes(3));
        Assert.Empty(again.Steps);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task An_agent_inactive_in_pem_agent_is_revoked_with_that_reason()
    {
        // Given a converged lab of three agents, and discovery from pem.agent saying agent 3 is inactive
        using var lab = Lab.Create(agents: 3, revokeRemoved: true);
        await lab.ApplyAsync();
        var fromDatabase = lab.Desired with { Agents = lab.Desired.Agents with { Source = AgentSource.Database } };
        var discovery = AgentDiscovery.Resolve(fromDatabase, [1, 2], [3]);
        Assert.Contains(discovery.Notes, n => n.Contains("agent 3 is listed in the inventory but not active", StringComparison.Ordinal) && n.Contains("revoked", StringComparison.Ordinal));
        var desired = discovery.Desired!;

        // When
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, Lab.Today);

        // Then
        var crl = Assert.Single(plan.Steps, s => s.Action == StepAction.WriteCrl);
        Assert.StartsWith("agent 3 is inactive in pem.agent: its certificate (serial ", crl.Reason, StringComparison.Ordinal);
        Assert.Contains(plan.Steps, s => s is { Address: { Kind: ResourceKind.AgentCertificate, Agent: 3 }, Action: StepAction.Remove });
        Assert.Equal(StepAction.WriteLedger, plan.Steps[^1].Action);
    }

    [Fact]
    public async Task Without_revoke_removed_nothing_is_revoked_and_the_plan_warns()
    {
        // Given a lab whose ledger knows agent 3, then revoke_removed turned off and agent 3 removed
        using var lab = Lab.Create(agents: 3, revokeRemoved: true);
        await lab.ApplyAsync();
        var serial = Serial(Path.Combine(lab.CertDir(3), "agent3.crt"));
        lab.SetRevokeRemoved(false);
        lab.RemoveAgent(3);
        var before = lab.Fingerprint();

        // When
        var (plan, _) = await lab.ApplyAsync();

        // Then
        Assert.Empty(plan.Steps);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains($"agent 3 is no longer in the inventory, but its certificate (serial {serial}) is still valid", warning, StringComparison.Ordinal);
        Assert.Contains("agents.revoke_removed: true", warning, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task An_apply_stopped_after_the_CRL_finishes_the_revocation_and_owes_the_server_restart()
    {
        // Given agent 3 removed, and an apply that stops right after writing root.crl
        using var lab = Lab.Create(agents: 3, revokeRemoved: true);
        await lab.ApplyAsync();
        lab.RemoveAgent(3);
        var desired = lab.Desired;
        await using (var hosts = new HostSet(desired))
        {
            var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
            var plan = Planner.Create(desired, observed, Lab.Today);
            var stopAfter = plan.Steps.ToList().FindIndex(s => s.Action == StepAction.WriteCrl) + 1;
            var journal = new Journal(hosts[desired.Server.Host], Journal.PathFor(desired.Server), "test");
            var executor = new Executor(hosts, NullLogger<Executor>.Instance, new FixedClock(Lab.Today));
            var result = await executor.ApplyAsync(desired, observed, plan, 1, null, CancellationToken.None, journal,
                step => step == stopAfter ? throw new IOException("the machine lost power") : Task.CompletedTask);
            Assert.False(result.Succeeded);
        }

        // When
        var next = await lab.PlanAsync();

        // Then the serial is not written again, the files still go, the owed restart runs, the ledger comes last
        Assert.Equal(
            [("agent[3].certificate", StepAction.Backup), ("agent[3].certificate", StepAction.Remove),
             ("restart[server]", StepAction.Restart), ("agents.ledger", StepAction.WriteLedger)],
            next.Steps.Select(s => (s.Address.ToString(), s.Action)));
        await ApplyWithJournalAsync(lab, "again");
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task The_first_apply_with_revoke_removed_writes_the_ledger_and_nothing_else()
    {
        // Given a lab converged without revoke_removed
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        lab.SetRevokeRemoved(true);

        // When
        var plan = await lab.PlanAsync();

        // Then
        var step = Assert.Single(plan.Steps);
        Assert.Equal((Addresses.AgentLedger, StepAction.WriteLedger), (step.Address, step.Action));
        Assert.Contains("agents.json is missing", step.Reason, StringComparison.Ordinal);
        await lab.ApplyAsync();
        using var ledger = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(lab.StateDir, AgentLedger.FileName)));
        Assert.Equal(2, ledger.RootElement.GetProperty("agents").GetArrayLength());
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task A_saved_plan_carries_its_revocations_and_matches_the_plan_schema()
    {
        // Given a plan that revokes agent 2
        using var lab = Lab.Create(agents: 2, revokeRemoved: true);
        await lab.ApplyAsync();
        lab.RemoveAgent(2);
        var plan = await lab.PlanAsync();

        // When it is saved and read back
        var json = PemCertState.Rendering.PlanJsonRenderer.Render(plan, new PemCertState.Rendering.SavedPlanContext(lab.InventoryPath, "00", new Dictionary<string, string>()));
        var read = PemCertState.Rendering.PlanJsonReader.Read(json);

        // Then the saved steps, revocations included, are the ones the plan takes, and the JSON matches schemas/plan.schema.json
        Assert.Empty(PemCertState.Rendering.SavedPlanDifferences.Between(read, plan));
        Assert.Equal(2, plan.Steps.Count(s => s is WriteCrlStep { Revoke.Count: 1 } or WriteLedgerStep { Retire.Count: 1 }));
        Assert.Equal(2, read.Steps.Count(s => s["revoke"] is System.Text.Json.Nodes.JsonArray { Count: 1 }));
        Assert.Contains(read.Steps, s => s["action"]?.GetValue<string>() == "write_ledger");
        // and a revocation taken out of the saved file is named as a difference
        read.Steps.First(s => s["revoke"] is not null).Remove("revoke");
        Assert.Contains(PemCertState.Rendering.SavedPlanDifferences.Between(read, plan), d => d.Contains("revoke: the plan file has nothing", StringComparison.Ordinal));
        using var stream = typeof(PemCertState.Rendering.PlanJsonRenderer).Assembly.GetManifestResourceStream("plan.schema.json")!;
        var schema = Json.Schema.JsonSchema.FromText(new StreamReader(stream).ReadToEnd(), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        using var document = JsonDocument.Parse(PemCertState.Rendering.PlanJsonRenderer.Render(plan));
        var result = schema.Evaluate(document.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => !d.IsValid).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors?.Values.ToList() ?? [])}")));
    }

    [Fact]
    public async Task A_removed_agent_holding_the_common_pair_is_not_revoked_its_files_are_removed_and_the_plan_warns()
    {
        // Given a converged common-user lab of three agents with revoke_removed, and agent 3 removed
        using var lab = Lab.Create(agents: 3, user: "common", revokeRemoved: true);
        await lab.ApplyAsync();
        lab.RemoveAgent(3);

        // When
        var (plan, _) = await lab.ApplyAsync();

        // Then no CRL is written (agents 1 and 2 hold the same pair), the files go, and the warning names --rotate-common
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.WriteCrl);
        Assert.Contains(plan.Steps, s => s is { Address: { Kind: ResourceKind.AgentCertificate, Agent: 3 }, Action: StepAction.Remove });
        Assert.Contains(plan.Warnings, w => w.Contains("also held by a managed agent", StringComparison.Ordinal) && w.Contains("--rotate-common", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(3), "agent.crt")));
        Assert.True(File.Exists(Path.Combine(lab.CertDir(1), "agent.crt")));
        var (ledger, _) = AgentLedger.Parse(File.ReadAllBytes(Path.Combine(lab.StateDir, AgentLedger.FileName)));
        var retired = Assert.Single(ledger!.Retired);
        Assert.Equal((3, false), (retired.Agent.Id, retired.Revoked));
        Assert.Equal("removed", Assert.Single(PemCertState.Verification.StatusReport.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today), r => r.Address.ToString() == "agent[3].certificate").State);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task Status_lists_a_revoked_agent_as_revoked_with_its_serial()
    {
        // Given agent 2 revoked
        using var lab = Lab.Create(agents: 2, revokeRemoved: true);
        await lab.ApplyAsync();
        var serial = Serial(Path.Combine(lab.CertDir(2), "agent2.crt"));
        lab.RemoveAgent(2);
        await lab.ApplyAsync();

        // When
        var rows = PemCertState.Verification.StatusReport.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today);
        var text = PemCertState.Rendering.StatusRenderer.RenderText(rows);
        using var json = JsonDocument.Parse(PemCertState.Rendering.StatusRenderer.RenderJson(rows));

        // Then
        var row = Assert.Single(rows, r => r.Address.ToString() == "agent[2].certificate");
        Assert.Equal(("revoked", serial, "/C=IN/ST=MH/L=Pune/O=PEM/CN=agent2"), (row.State, row.Serial, row.Subject));
        Assert.Contains($"revoked, serial {serial}", text, StringComparison.Ordinal);
        var entry = json.RootElement.GetProperty("certificates").EnumerateArray().Single(e => e.GetProperty("address").GetString() == "agent[2].certificate");
        Assert.Equal(("revoked", serial), (entry.GetProperty("state").GetString(), entry.GetProperty("serial").GetString()));
        Assert.Equal("ok", Assert.Single(rows, r => r.Address.ToString() == "agent[1].certificate").State);
    }

    [Fact]
    public void Revoke_removed_with_a_trusted_CA_is_an_error_at_its_value()
    {
        // Given
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { source: trusted, certificate: ca.crt, crl: none }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              revoke_removed: true
            """;

        // When
        var result = PemCertState.Inventory.InventoryLoader.Parse(yaml, "/lab/pemstate.yaml");

        // Then
        Assert.Contains(result.Diagnostics, d => (d.Line, d.Column) == (6, 19)
            && d.Message.StartsWith("agents.revoke_removed: needs ca.source: self-signed", StringComparison.Ordinal));
    }

    private static async Task ApplyWithJournalAsync(Lab lab, string apply)
    {
        var desired = lab.Desired;
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, Lab.Today);
        var journal = new Journal(hosts[desired.Server.Host], Journal.PathFor(desired.Server), apply);
        var result = await new Executor(hosts, NullLogger<Executor>.Instance, new FixedClock(Lab.Today))
            .ApplyAsync(desired, observed, plan, 1, null, CancellationToken.None, journal);
        Assert.True(result.Succeeded, result.Failure);
    }

    /// <summary>openssl prints a serial in whole bytes: an odd number of hex digits gets a leading 0.</summary>
    private static string OpenSslSerial(string serial) => serial.Length % 2 == 1 ? "0" + serial : serial;

    private static string Serial(string certificate) =>
        PemCertState.Crypto.CertificateSummary.From(PemCertState.Crypto.PemCodec.DecodeCertificates(File.ReadAllBytes(certificate))[0]).Serial;
}
