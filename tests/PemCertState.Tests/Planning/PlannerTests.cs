using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>The planner against a real lab folder: fresh, converged, and each kind of drift, with a fixed clock.</summary>
[Trait("Category", "Unit")]
public sealed class PlannerTests
{
    [Fact]
    public async Task Plans_the_whole_tree_for_an_empty_lab()
    {
        // Given
        using var lab = Lab.Create();

        // When
        var plan = await lab.PlanAsync();

        // Then
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)), SnapshotNameExtension.Create("text"));
        Assert.Equal(
            ["ca", "server.root_crt", "server.root_crl", "server.certificate", "server.settings",
             "agent[1].certificate", "agent[1].settings", "restart[agent 1]",
             "agent[2].certificate", "agent[2].settings", "restart[agent 2]", "restart[server]"],
            plan.Resources.Texts());
    }

    [Fact]
    public async Task A_converged_lab_plans_nothing()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Empty(plan.Steps);
        Snapshot.Match(PlanTextRenderer.Render(plan));
    }

    [Fact]
    public async Task A_deleted_agent_key_replaces_that_agents_pair_only()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        File.Delete(Path.Combine(lab.CertDir(2), "agent2.key"));

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(["agent[2].certificate", "restart[agent 2]"], plan.Resources.Texts());
        Assert.Equal([StepAction.Backup, StepAction.GenerateKey, StepAction.Issue, StepAction.Install, StepAction.Restart], plan.Steps.Select(s => s.Action));
        Assert.Contains("agent2.key is missing", plan.Steps[0].Reason, StringComparison.Ordinal);
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)));
    }

    [Fact]
    public async Task A_key_left_readable_by_others_is_fixed_with_a_mode_change_and_no_restart()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        var key = Path.Combine(lab.DataDir, "server.key");
        File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);

        // When
        var plan = await lab.PlanAsync();

        // Then
        var step = Assert.Single(plan.Steps);
        Assert.Equal(("server.certificate", StepAction.SetMode, key), (step.Address.ToString(), step.Action, step.Paths[0]));
        Assert.Equal("server.key has mode 0644, want 0600", step.Reason);
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)));
    }

    [Fact]
    public async Task Another_CA_in_root_crt_is_replaced_and_the_server_restarted()
    {
        // Given root.crt replaced by another lab's CA with the same name
        using var lab = Lab.Create();
        using var other = Lab.Create();
        await lab.ApplyAsync();
        await other.ApplyAsync();
        File.Copy(Path.Combine(other.DataDir, "root.crt"), Path.Combine(lab.DataDir, "root.crt"), overwrite: true);

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(["server.root_crt", "restart[server]"], plan.Resources.Texts());
        Assert.Contains("not ca_certificate.crt", plan.Steps[0].Reason, StringComparison.Ordinal);
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)));
    }

    [Fact]
    public async Task In_a_fleet_large_enough_for_parallel_signature_checks_an_agent_signed_by_another_CA_of_the_same_name_is_reissued()
    {
        // Given a converged lab with more agents than observation checks one by one, and agent 7's pair from another lab's CA
        var agents = PemCertState.Crypto.SignatureFacts.ParallelThreshold + 2;
        using var lab = Lab.Create(agents: agents);
        using var other = Lab.Create(agents: 7);
        await lab.ApplyAsync();
        await other.ApplyAsync();
        foreach (var file in new[] { "agent7.crt", "agent7.key" })
            File.Copy(Path.Combine(other.CertDir(7), file), Path.Combine(lab.CertDir(7), file), overwrite: true);

        // When
        var observed = await lab.ObserveAsync();
        var plan = await lab.PlanAsync();

        // Then observation checked every agent against the CA, and only agent 7 is reissued, for the reason a one-by-one check gives
        Assert.True(observed.Signatures.Count > agents, $"{observed.Signatures.Count} signatures observed");
        Assert.False(observed.Signatures.Signs(observed.Server.CaCertificate.Certificate!, observed.Agents[7].Certificate.Certificate!));
        Assert.Equal(["agent[7].certificate", "restart[agent 7]"], plan.Resources.Texts().Distinct());
        Assert.Contains(plan.Steps, s => s.Reason.Contains("signed by another CA named", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hand_edited_agent_cfg_is_repaired_and_only_that_agent_restarted()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        var config = lab.AgentConfig(1);
        File.WriteAllText(config, File.ReadAllText(config).Replace("agent_user=agent1", "agent_user=someone", StringComparison.Ordinal) + "# a note\n");

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(["agent[1].settings", "restart[agent 1]"], plan.Resources.Texts());
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)));
    }

    [Fact]
    public async Task Certificates_inside_their_window_are_renewed_under_the_same_CA()
    {
        // Given a lab applied today, looked at 340 days later (renew_before 30d, validity 365d)
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        var later = Lab.Today.AddDays(340);

        // When
        var plan = await lab.PlanAsync(later);

        // Then the CA stays; the CRL (nextUpdate a year ahead) and the leaves are renewed with a reason that names the date
        Assert.DoesNotContain("ca", plan.Resources.Texts());
        Assert.Equal(
            ["server.root_crl", "server.certificate", "agent[1].certificate", "restart[agent 1]", "agent[2].certificate", "restart[agent 2]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Contains("expires on 2027-11-27, in 25 days; renew_before is 30 days",
            plan.Steps.First(s => s.Address.ToString() == "server.certificate").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_CA_subject_rotates_the_CA_with_overlapping_trust_and_reissues_everything_it_signed()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem-ca", "CN=pem-ca-2", StringComparison.Ordinal));

        // When
        var plan = await lab.PlanAsync();

        // Then phase 1 (new CA, both trusted, server restarted), phase 2 (every leaf re-issued), phase 3 (old CA out), restart last
        Assert.Equal(
            ["ca", "server.root_crt", "server.root_crl", "restart[server, both CAs]", "server.certificate",
             "agent[1].certificate", "restart[agent 1]", "agent[2].certificate", "restart[agent 2]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Equal(2, plan.Steps.OfType<WriteBundleStep>().First().Bundle!.Count);
        Assert.Null(plan.Steps.OfType<WriteBundleStep>().Last().Bundle);
        Assert.All(plan.Steps.Where(s => s.Address.ToString().StartsWith("agent[", StringComparison.Ordinal) && s.Action == StepAction.Issue),
            s => Assert.Equal("the CA is being replaced", s.Reason));
    }

    [Fact]
    public async Task A_CRL_from_a_foreign_CA_is_replaced()
    {
        // Given
        using var lab = Lab.Create();
        using var other = Lab.Create();
        await lab.ApplyAsync();
        await other.ApplyAsync();
        File.Copy(Path.Combine(other.DataDir, "root.crl"), Path.Combine(lab.DataDir, "root.crl"), overwrite: true);

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(["server.root_crl", "restart[server]"], plan.Resources.Texts());
        Assert.Contains("unknown ca", plan.Steps[^2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backups_come_before_replacements_and_the_server_restarts_last_after_every_agent()
    {
        // Given a converged lab whose CA is then replaced (the plan that touches everything)
        using var lab = Lab.Create(agents: 3);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem-ca", "CN=pem-ca-2", StringComparison.Ordinal));

        // When
        var steps = (await lab.PlanAsync()).Steps;

        // Then rule 1: every existing file a step writes was backed up by an earlier step
        var backedUp = new HashSet<string>();
        foreach (var step in steps)
        {
            if (step.Action == StepAction.Backup) { backedUp.UnionWith(step.Paths); continue; }
            if (step.Action is StepAction.Install or StepAction.WriteBundle or StepAction.WriteCrl or StepAction.EditSettings)
                Assert.All(step.Paths.Where(File.Exists), p => Assert.Contains(p, backedUp));
        }
        // rule 3: server files first (root.crt trusting both CAs, and the server restarted on it), then agents;
        // after the agents only the old CA leaves root.crt (phase 3), then the server restart, last
        var list = steps.ToList();
        var lastServerFile = list.FindLastIndex(s => s.Address.ToString() is "ca" or "server.certificate" || (s.Address.ToString() is "server.root_crt" or "server.root_crl" && !s.Reason.Contains("phase 3", StringComparison.Ordinal)));
        var trustBoth = list.FindIndex(s => s.Address.ToString() == "restart[server, both CAs]");
        var firstAgent = list.FindIndex(s => s.Address.ToString().StartsWith("agent[", StringComparison.Ordinal));
        var lastAgent = list.FindLastIndex(s => s.Address.ToString().StartsWith("agent[", StringComparison.Ordinal) || s.Address.ToString().StartsWith("restart[agent", StringComparison.Ordinal));
        var firstNarrowing = list.FindIndex(s => s.Reason.Contains("phase 3", StringComparison.Ordinal));
        Assert.True(lastServerFile < firstAgent);
        Assert.True(trustBoth < list.FindIndex(s => s.Address.ToString() == "server.certificate" && s.Action == StepAction.Install));
        Assert.True(lastAgent < firstNarrowing);
        Assert.Equal("restart[server]", steps[^1].Address.ToString());
        Assert.Single(steps, s => s.Address.ToString() == "restart[server]");
        // rule 4: a key is generated, then issued, then installed with its certificate in one step
        foreach (var address in steps.Where(s => s.Action == StepAction.GenerateKey).Select(s => s.Address))
        {
            var actions = steps.Where(s => s.Address == address && s.Action != StepAction.Backup).Select(s => s.Action).ToList();
            Assert.Equal([StepAction.GenerateKey, StepAction.Issue, StepAction.Install], actions);
            Assert.Equal(2, steps.Single(s => s.Address == address && s.Action == StepAction.Install).Paths.Count);
        }
        Assert.All(steps.Where(s => s.Action is StepAction.GenerateKey or StepAction.Issue), s => Assert.Empty(s.Paths));
    }

    [Fact]
    public async Task The_json_plan_names_the_same_steps_as_the_text_plan()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var plan = await lab.PlanAsync();
        var json = System.Text.Json.JsonDocument.Parse(PlanJsonRenderer.Render(plan));

        // Then
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(plan.Steps.Count, steps.Count);
        Assert.Equal(plan.Steps.Select(s => s.Address.ToString()), steps.Select(s => s.GetProperty("address").GetString()));
        Assert.Equal("generate_key", steps[0].GetProperty("action").GetString());
        Snapshot.Match(lab.Normalize(PlanJsonRenderer.Render(plan)), SnapshotNameExtension.Create("json"));
    }
}
