using PemCertState.Database;
using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Tests.Execution;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 19: PEM's renewal job is one rule for both issuers, placed by one reconciler: on first, off once the issuer's trust
/// is switched (RenewalJob says why each way). Off with a trusted CA or a common agent certificate, on again when either is
/// left. (Against PEM's real pem.job: TrustedCaTests and CommonUserRenewalJobTests.)
/// </summary>
[Trait("Category", "Unit")]
public sealed class RenewalJobTests
{
    private static readonly DateTimeOffset Now = TrustedRenewalTests.Clock();

    [Fact]
    public async Task With_a_common_agent_certificate_an_enabled_job_is_turned_off_once_the_CA_and_root_crt_are_in_place()
    {
        // Given a fresh lab whose agents share one certificate, and PEM's job on
        using var lab = Lab.Create(agents: 2, user: "common");
        var observed = await lab.ObserveAsync();

        // When it is planned
        var plan = Planner.Create(lab.Desired, observed with { Database = JobEnabled(true) }, Lab.Today);

        // Then the job goes off for the common certificate's reason, after the CA and root.crt, before the server's pair
        var steps = plan.Steps.ToList();
        var job = Assert.IsType<DisableJobStep>(Assert.Single(steps, s => s is DisableJobStep));
        Assert.Equal(PemJobs.Renewal, job.Job);
        Assert.StartsWith("agents.user is common", job.Reason, StringComparison.Ordinal);
        Assert.True(steps.IndexOf(job) > steps.FindIndex(s => s is InstallStep { Address.Kind: ResourceKind.Ca }));
        Assert.True(steps.IndexOf(job) > steps.FindIndex(s => s is WriteBundleStep));
        Assert.True(steps.IndexOf(job) < steps.FindIndex(s => s.Address.ToString() == "server.certificate"));
        Assert.DoesNotContain(Planner.Create(lab.Desired, observed with { Database = JobEnabled(false) }, Lab.Today).Steps, s => s is DisableJobStep or EnableJobStep);
    }

    [Fact]
    public async Task With_a_trusted_CA_the_job_goes_off_before_the_servers_files_once_the_certificates_are_signed_and_stays_on_while_they_wait()
    {
        // Given a lab converged on a trusted CA, whose job someone turned back on and whose server.key someone opened up
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(Now);
        File.SetUnixFileMode(Path.Combine(lab.DataDir, "server.key"), (UnixFileMode)0b110_100_100);
        var observed = await lab.ObserveAsync();
        var jobOn = observed with { Trusted = observed.Trusted! with { RenewalJobEnabled = true } };

        // When it is planned
        var plan = Planner.Create(lab.Desired, jobOn, Now);

        // Then the job goes off, for the trusted CA's reason, before the server's files (it came after them before), then the mode
        var job = Assert.IsType<DisableJobStep>(plan.Steps[0]);
        Assert.StartsWith("with a trusted CA", job.Reason, StringComparison.Ordinal);
        Assert.IsType<SetModeStep>(Assert.Single(plan.Steps.Skip(1)));

        // And when a certificate waits for the CA's signature, the plan writes its request and leaves the job alone
        File.Delete(Path.Combine(lab.CertDir(1), "agent1.crt"));
        var waiting = await lab.ObserveAsync();
        var requests = Planner.Create(lab.Desired, waiting with { Trusted = waiting.Trusted! with { RenewalJobEnabled = true } }, Now);
        Assert.Contains(requests.Steps, s => s is RequestSignatureStep);
        Assert.DoesNotContain(requests.Steps, s => s is DisableJobStep);
    }

    [Fact]
    public async Task Switching_to_a_trusted_CA_turns_the_job_off_only_once_PEMs_own_CA_files_are_moved_away()
    {
        // Given a lab on PEM's own CA, switched to a trusted CA whose certificates are signed, with PEM's job on
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");
        var observed = await lab.ObserveAsync();

        // When the switch is planned
        var steps = Planner.Create(lab.Desired, observed with { Trusted = observed.Trusted! with { RenewalJobEnabled = true } }, Now).Steps.ToList();

        // Then ca_* are removed (after their backup) before the job goes off: a crash between them leaves the job on
        // beside no CA files, which the next plan turns off; the other way round it would be off beside PEM's CA files,
        // and going back to self-signed would find no reason to turn it on again
        var removeCa = steps.FindIndex(s => s is RemoveStep { Address.Kind: ResourceKind.Ca });
        var job = steps.FindIndex(s => s is DisableJobStep);
        Assert.True(removeCa >= 0 && job > removeCa, string.Join("\n", steps.Select(s => $"{s.Action} {s.Address}")));
    }

    [Fact]
    public async Task Back_on_PEMs_own_CA_the_job_goes_on_first_before_the_CA_is_made_again()
    {
        // Given a lab on a trusted CA (no ca_* files, root.crt holding the trusted CA) with the job off, and an inventory
        // back on PEM's own CA
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(Now);
        ExternalCa.SwitchBack(lab);
        var observed = await lab.ObserveAsync();
        var jobOff = observed with { Trusted = (observed.Trusted ?? new ObservedTrusted(new Dictionary<ResourceAddress, ObservedKey>(), new Dictionary<ResourceAddress, string?>(), [], null)) with { RenewalJobEnabled = false } };

        // When it is planned
        var plan = Planner.Create(lab.Desired, jobOff, Now);

        // Then the job goes on first, so that a crash once the CA is made again cannot leave it off
        var job = Assert.IsType<EnableJobStep>(plan.Steps[0]);
        Assert.StartsWith("ca.source is self-signed again", job.Reason, StringComparison.Ordinal);
        Assert.Contains(plan.Steps.Skip(1), s => s is GenerateKeyStep { Address.Kind: ResourceKind.Ca });
    }

    private static ObservedDatabase JobEnabled(bool enabled) =>
        new("pem", true, null, new Dictionary<string, string>(), new Dictionary<string, RoleFacts>(), [], "not read in this test", null) { RenewalJobEnabled = enabled };
}
