using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Renewal with a trusted CA (issue 6 on issue 4's flow), with a fixed clock: a leaf inside its renew_before window gets a
/// new pending key and request (exit 3, nothing live touched); once its signed certificate is in signed/, apply installs
/// it and restarts only what reads it.
/// </summary>
public sealed class TrustedRenewalTests
{
    /// <summary>
    /// The CA of examples/trusted-ca signs with the real clock (notBefore = when it signs), so each test plans at a clock taken
    /// when it starts, a few minutes ahead: later than every signature the test makes, and still inside the five minutes
    /// pemstate backdates its own certificates by, so that openssl (real time) accepts those too.
    /// </summary>
    internal static DateTimeOffset Clock() => DateTimeOffset.UtcNow.AddMinutes(4);

    [Fact]
    public async Task A_trusted_agent_and_server_inside_their_window_are_requested_again_then_installed_with_only_their_restarts()
    {
        // Given a lab converged on the trusted CA, whose server and agent 2 hold certificates that expire in 40 days
        var now = Clock();
        using var lab = await ConvergedOnTrustedCaAsync(now);
        var issuing = ExternalCa.Issuing(lab.Root);
        Reissue(issuing, Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.DataDir, "server.crt"), "/C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com", LeafUsage.Server, now, 40);
        Reissue(issuing, Path.Combine(lab.CertDir(2), "agent2.key"), Path.Combine(lab.CertDir(2), "agent2.crt"), "/C=IN/ST=MH/L=Pune/O=PEM/CN=agent2", LeafUsage.Client, now, 40);
        await lab.MarkRestartedAsync();
        Assert.True((await lab.PlanAsync(now)).IsEmpty);
        File.WriteAllText(lab.RestartLog, "");
        var live = LiveFiles(lab);
        var expiring = File.ReadAllText(Path.Combine(lab.CertDir(2), "agent2.crt"));

        // When the clock reaches day 15 (25 days left, renew_before 30) and pemstate applies, as a nightly job would
        var later = now.AddDays(15);
        var waiting = Pemstate.RunWith(lab.Root, At(later), "apply", "--auto-approve");

        // Then it asks for two signatures, with the reason, and exits 3 without touching a live file or restarting anything
        Assert.True(waiting.ExitCode == 3, waiting.Stdout + waiting.Stderr);
        Assert.Contains("Waiting for 2 signatures", waiting.Stdout, StringComparison.Ordinal);
        Assert.Contains($"it expires on {Planner.Day(now.AddDays(40))}, in 2", waiting.Stdout, StringComparison.Ordinal);
        Assert.Contains("days; renew_before is 30 days", waiting.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("agent1.csr", waiting.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(lab.DataDir, "server.key.pending")));
        Assert.True(File.Exists(Path.Combine(lab.CertDir(2), "agent2.key.pending")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(1), "agent1.key.pending")));
        Assert.Equal(live, LiveFiles(lab));
        Assert.Equal("", File.ReadAllText(lab.RestartLog));
        // and status tells the two waiting certificates from the one that is fine, each with its live file's state
        var status = Pemstate.RunWith(lab.Root, At(later), "status", "--json");
        using (var json = System.Text.Json.JsonDocument.Parse(status.Stdout))
        {
            var states = json.RootElement.GetProperty("certificates").EnumerateArray()
                .Where(e => e.GetProperty("address").GetString()!.EndsWith(".certificate", StringComparison.Ordinal))
                .ToDictionary(e => e.GetProperty("address").GetString()!, e => e.GetProperty("state").GetString());
            Assert.Equal("renew soon, pending signature", states["agent[2].certificate"]);
            Assert.Equal("renew soon, pending signature", states["server.certificate"]);
            Assert.Equal("ok", states["agent[1].certificate"]);
        }

        // When the CA signs both requests (its own openssl script, which signs a request again once its key changed)
        ExternalCa.Run(lab.Root, "sign");
        var plan = await lab.PlanAsync(later);
        var apply = Pemstate.RunWith(lab.Root, At(later), "apply", "--auto-approve");

        // Then apply installs both pairs and restarts agent 2, then the server last; agent 1 is not touched
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal(["server.certificate", "agent[2].certificate", "restart[agent 2]", "restart[server]"], plan.Resources.Texts());
        Assert.Equal(["agent", "server"], File.ReadAllLines(lab.RestartLog));
        Assert.Equal(live[Path.Combine(lab.CertDir(1), "agent1.crt")], LiveFiles(lab)[Path.Combine(lab.CertDir(1), "agent1.crt")]);
        Assert.NotEqual(live[Path.Combine(lab.CertDir(2), "agent2.key")], LiveFiles(lab)[Path.Combine(lab.CertDir(2), "agent2.key")]);
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), Path.Combine(lab.CertDir(2), "agent2.crt")).Output, StringComparison.Ordinal);
        // and the pending keys and their requests are gone, and the next plan (the old signed files still there) is empty
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent2.key.pending")));
        Assert.False(File.Exists(Path.Combine(lab.Root, "csr", "agent2.csr")));
        var again = await lab.PlanAsync(later);
        Assert.True(again.IsEmpty, PemCertState.Rendering.PlanTextRenderer.Render(again));
        Assert.Empty(again.Warnings);

        // And the replaced certificate dropped into signed/ again (an old file a user keeps) is not worth a warning: a newer one from the same CA is installed
        File.WriteAllText(Path.Combine(lab.Root, "signed", "agent2-old.crt"), expiring);
        Assert.Empty((await lab.PlanAsync(later)).Warnings);
    }

    [Fact]
    public async Task Only_an_agent_inside_its_window_is_renewed_and_the_server_is_not_restarted()
    {
        // Given a lab converged on the trusted CA, whose agent 1 certificate expires in 10 days
        var now = Clock();
        using var lab = await ConvergedOnTrustedCaAsync(now);
        Reissue(ExternalCa.Issuing(lab.Root), Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt"), "/C=IN/ST=MH/L=Pune/O=PEM/CN=agent1", LeafUsage.Client, now, 10);
        File.WriteAllText(lab.RestartLog, "");

        // When it is applied (request), signed, and applied again
        var (waiting, _) = await lab.ApplyAsync(now);
        ExternalCa.Run(lab.Root, "sign");
        var (installed, _) = await lab.ApplyAsync(now);

        // Then one request, one install, one agent restart, and no server restart
        Assert.Equal(["agent[1].certificate"], waiting.Resources.Texts());
        Assert.Equal(["agent[1].certificate", "restart[agent 1]"], installed.Resources.Texts());
        Assert.Equal(["agent"], File.ReadAllLines(lab.RestartLog));
        Assert.True((await lab.PlanAsync(now)).IsEmpty);
    }

    [Fact]
    public async Task An_agent_restart_on_a_pair_that_would_not_log_in_is_refused_by_the_preflight()
    {
        // Given a lab converged on the trusted CA, whose agent 1 key was swapped for another after the plan was made
        var now = Clock();
        using var lab = await ConvergedOnTrustedCaAsync(now);
        var desired = lab.Desired;
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = new Plan([new RestartStep(Addresses.AgentRestart(1), "pem", "agent.cfg names new files", "echo agent >> restarts.log")]);
        var key = Path.Combine(lab.CertDir(1), "agent1.key");
        File.WriteAllText(key, PemCodec.EncodePrivateKey(KeyGenerator.Generate(new KeySpec(KeyAlgorithm.Ecdsa, 256)).Private));
        File.WriteAllText(lab.RestartLog, "");

        // When the restart runs
        var result = await new Executor(hosts, NullLogger<Executor>.Instance, new FixedClock(now))
            .ApplyAsync(desired, observed, plan, 1, null, CancellationToken.None);

        // Then the preflight refuses it, naming the agent's files, and the agent is not restarted
        Assert.False(result.Succeeded);
        Assert.Equal(Addresses.AgentRestart(1), result.FailedStep!.Address);
        var failure = Assert.Single(result.Failures).Error;
        Assert.Contains("preflight refused restart[agent 1]", failure, StringComparison.Ordinal);
        Assert.Contains($"{key} does not belong to", failure, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(lab.RestartLog));
    }

    /// <summary>A two-agent lab switched from PEM's CA to examples/trusted-ca's and converged there.</summary>
    internal static Task<Lab> ConvergedOnTrustedCaAsync(DateTimeOffset now, int agents = 2) => ExternalCa.ConvergeAsync(Lab.Create(agents: agents), now);

    /// <summary>Replaces a live certificate with one for the same key from the same CA that expires sooner (an older certificate).</summary>
    private static void Reissue(CertificateAuthority issuing, string keyPath, string certificatePath, string subject, LeafUsage usage, DateTimeOffset now, int days)
    {
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(keyPath))!;
        var leaf = issuing.Issue(subject, key.Public, usage, now, TimeSpan.FromDays(days));
        var chain = usage == LeafUsage.Server ? PemCodec.EncodeCertificate(leaf) + PemCodec.EncodeCertificate(issuing.Certificate) : PemCodec.EncodeCertificate(leaf);
        File.WriteAllText(certificatePath, chain);
    }

    private static Dictionary<string, string?> At(DateTimeOffset when) =>
        new() { ["PEMSTATE_NOW"] = when.ToString("O", CultureInfo.InvariantCulture) };

    private static Dictionary<string, string> LiveFiles(Lab lab) =>
        Directory.EnumerateFiles(lab.DataDir).Concat(new[] { 1, 2 }.SelectMany(i => Directory.EnumerateFiles(lab.CertDir(i))))
            .Where(p => !p.EndsWith(".pending", StringComparison.Ordinal) && !Path.GetFileName(p).StartsWith(".pemstate", StringComparison.Ordinal))
            .ToDictionary(p => p, p => Fingerprints.Sha256Hex(File.ReadAllBytes(p)));
}
