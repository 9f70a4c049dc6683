using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 20, item 4: agents logging in all the time (at least 5 fresh connections a second from 3 workers, each reading the
/// agent's files anew) lose no login while pemstate rotates the self-signed CA, moves between two trusted CAs or renews every
/// certificate on the real server. Each test prints its counts.
/// </summary>
public sealed class PostgresLoginLoopTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_self_signed_CA_rotation_fails_no_agent_login()
    {
        // Given a converged server with two agents that log in in a loop
        var lab = await ConvergedAsync("loop-rotation", 51, 52);
        await using var loop = Loop(lab, 51, 52);
        loop.Start();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // When the CA is rotated (all three phases in one apply)
        var (plan, _) = await lab.ApplyAsync(options: new PlanOptions(RotateCa: true));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = await loop.StopAsync();

        // Then no login failed, and the rotation is complete
        output.WriteLine($"CA rotation ({plan.Steps.Count} steps): {counts}");
        AssertNoneFailed(counts);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_renewal_of_every_agent_and_the_server_fails_no_agent_login()
    {
        // Given a converged server with two agents that log in in a loop
        var lab = await ConvergedAsync("loop-renewal", 53, 54);
        await using var loop = Loop(lab, 53, 54);
        loop.Start();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // When it is planned 340 days later (every leaf inside its 30-day window) and applied
        var (plan, _) = await lab.ApplyAsync(planAt: DateTimeOffset.UtcNow.AddDays(340));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = await loop.StopAsync();

        // Then every certificate was renewed and no login failed
        output.WriteLine($"renewal ({plan.Steps.Count} steps): {counts}");
        Assert.Equal(3, plan.Steps.Count(s => s.Action == StepAction.Install));
        AssertNoneFailed(counts);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_move_between_two_trusted_CAs_fails_no_agent_login()
    {
        // Given two agents converged on trusted CA "Example", the inventory moved to CA "Other" and its requests signed
        var lab = await ConvergedAsync("loop-trusted", 55, 56);
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted"));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
        await lab.ApplyAsync();
        var next = Path.Combine(lab.Folder, "next");
        ExternalCa.Run(next, "init", name: "Other");
        lab.Rewrite(Trusted("trusted"), Trusted("next/trusted") + "  requests_dir: next/csr\n  signed_dir: next/signed\n");
        await lab.ApplyAsync();
        ExternalCa.Run(next, "sign");
        await using var loop = Loop(lab, 55, 56);
        loop.Start();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // When the move runs (root.crt trusts both, every pair from the new CA, root.crt the new CA only)
        var (plan, _) = await lab.ApplyAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = await loop.StopAsync();

        // Then no login failed, and the move is complete
        output.WriteLine($"trusted CA move ({plan.Steps.Count} steps): {counts}");
        Assert.Contains(plan.Steps, s => s.Reason.StartsWith("CA rotation, phase 3", StringComparison.Ordinal));
        AssertNoneFailed(counts);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    private const string SelfSigned = "ca:\n  subject: /C=IN/O=PEM/CN=pem-ca\n";

    private static string Trusted(string folder) => $"ca:\n  source: trusted\n  certificate: {folder}/ca.crt\n  crl: {folder}/ca.crl\n";

    private async Task<PemLab> ConvergedAsync(string name, params int[] ids)
    {
        foreach (var id in ids) postgres.RegisterAgent(id);
        // The agents' restart does nothing: the login loop plays the agent, reading its files at every login.
        var agents = PemLab.PerAgent(ids).Replace("defaults: { host: pem,", "defaults: { host: pem, restart: \"true\",", StringComparison.Ordinal);
        var lab = new PemLab(postgres, name, agents);
        await lab.ApplyAsync();
        Assert.True((await lab.PlanAsync()).IsEmpty);
        return lab;
    }

    private LoginLoop Loop(PemLab lab, params int[] ids) =>
        new(postgres, [.. ids.Select(id => ($"agent{id}", Path.Combine(lab.Folder, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "agent.cfg")))]);

    private static void AssertNoneFailed(LoginCounts counts)
    {
        Assert.True(counts.PerSecond >= 5, $"the loop logged in only {counts.PerSecond:F1} times a second: {counts}");
        Assert.True(counts.Failed == 0, counts.ToString());
    }
}
