using Xunit;
using PemCertState.Tests.Support;

namespace PemCertState.Tests.Execution;

/// <summary>
/// The trusted-CA install (issue 4) killed with SIGKILL after each of its steps, as <see cref="CrashRecoveryTests"/> does for
/// PEM's own CA: every rerun converges, the plan after it is empty, every pair verifies against root.crt.
/// </summary>
public sealed class TrustedCrashRecoveryTests
{
    /// <summary>A one-agent lab's install plans 12 steps (checked below); killing after the last one leaves nothing owed.</summary>
    public static TheoryData<int> InstallCrashPoints() => [.. Enumerable.Range(1, 11)];

    [Theory]
    [MemberData(nameof(InstallCrashPoints))]
    public async Task A_trusted_CA_install_killed_after_any_step_is_converged_by_the_next_apply(int step)
    {
        // Given a one-agent lab switched to the trusted CA, its requests signed (the CA signs with the real clock)
        var now = TrustedRenewalTests.Clock();
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync(now);
        ExternalCa.SwitchLab(lab);
        await lab.ApplyAsync(now);
        ExternalCa.Run(lab.Root, "sign");
        var plan = await lab.PlanAsync(now);
        Assert.Equal(12, plan.Steps.Count);

        // When the install is killed after the step
        Pemstate.ApplyAndKillAfterStep(lab.Root, step, now);

        // Then the next apply converges, nothing is left to do, every pair verifies
        await CrashRecoveryTests.AssertRecoversAsync(lab, step, now);
        // and no pending key or request is left behind
        Assert.Empty(Directory.GetFiles(lab.Root, "*.pending", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(lab.Root, "csr")));
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), Path.Combine(lab.CertDir(1), "agent1.crt")).Output, StringComparison.Ordinal);
    }
}
