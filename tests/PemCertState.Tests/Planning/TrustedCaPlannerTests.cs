using System.Text.RegularExpressions;
using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// ca.source: trusted on a lab folder, with the openssl CA of examples/trusted-ca (root + intermediate):
/// requests out and nothing live touched, signed certificates in and checked, the install in EDB's order, and back.
/// The CA signs with the real clock, so these tests plan with it too (dates are masked in snapshots).
/// </summary>
public sealed partial class TrustedCaPlannerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(1);

    [Fact]
    public async Task Switching_to_a_trusted_CA_first_requests_signatures_and_touches_no_live_file()
    {
        // Given a lab converged on the self-signed CA, switched to the trusted CA
        using var lab = Lab.Create();
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);
        var live = LiveFiles(lab);

        // When it is planned and applied
        var plan = await lab.PlanAsync(Now);
        await lab.ApplyAsync(Now);

        // Then the plan generates a key and requests a signature for the server and each agent, nothing else
        Snapshot.Match(Mask(lab, PlanTextRenderer.Render(plan)), SnapshotNameExtension.Create("text"));
        // and the pull-request comment says it waits for the CA
        var markdown = PlanMarkdownRenderer.Render(plan, PlanMarkdownRenderer.CommentLimit);
        Assert.Contains("**Waiting for the CA:** 3 certificate signing requests", markdown, StringComparison.Ordinal);
        Snapshot.Match(Mask(lab, markdown), SnapshotNameExtension.Create("markdown"));
        Assert.Equal([StepAction.GenerateKey, StepAction.RequestSignature], plan.Steps.Select(s => s.Action).Distinct());
        Assert.Equal(["server.certificate", "agent[1].certificate", "agent[2].certificate"], plan.Resources.Texts());
        // and apply stored the pending keys beside the live ones, 0600, and wrote the requests with the inventory's subjects
        foreach (var pending in new[] { Path.Combine(lab.DataDir, "server.key.pending"), Path.Combine(lab.CertDir(1), "agent1.key.pending") })
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(pending));
        Assert.Contains("CN=agent2", OpenSsl.Run("req", "-in", Path.Combine(lab.Root, "csr", "agent2.csr"), "-noout", "-subject", "-nameopt", "compat").Output, StringComparison.Ordinal);
        Assert.Contains("CN=pem.example.com", OpenSsl.Run("req", "-in", Path.Combine(lab.Root, "csr", "server.csr"), "-noout", "-subject", "-nameopt", "compat").Output, StringComparison.Ordinal);
        // and not one live file changed
        Assert.Equal(live, LiveFiles(lab));

        // And a second apply while waiting changes nothing at all, but for pemstate's own journal of the run
        var everything = WithoutState(lab, lab.Fingerprint());
        var (again, _) = await lab.ApplyAsync(Now);
        Assert.Equal([StepAction.RequestSignature], again.Steps.Select(s => s.Action).Distinct());
        Assert.Equal(everything, WithoutState(lab, lab.Fingerprint()));
    }

    [Fact]
    public async Task Once_every_request_is_signed_apply_installs_in_EDBs_order_and_the_next_plan_is_empty()
    {
        // Given pending requests, all signed by the intermediate CA
        using var lab = Lab.Create();
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");

        // When it is planned and applied
        var plan = await lab.PlanAsync(Now);
        await lab.ApplyAsync(Now);

        // Then the plan is the install, server side first, agents next, the server restart last
        Snapshot.Match(Mask(lab, PlanTextRenderer.Render(plan)), SnapshotNameExtension.Create("text"));
        Assert.Equal(
            ["server.root_crt", "ca", "server.root_crl", "server.certificate",
             "agent[1].certificate", "restart[agent 1]", "agent[2].certificate", "restart[agent 2]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Empty(plan.Warnings);
        // and openssl agrees: every agent certificate verifies against the new root.crt, the server chain holds the intermediate
        var root = Path.Combine(lab.DataDir, "root.crt");
        foreach (var id in new[] { 1, 2 })
            Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", root, Path.Combine(lab.CertDir(id), $"agent{id}.crt")).Output, StringComparison.Ordinal);
        Assert.Equal(2, PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.DataDir, "server.crt"))).Count);
        Assert.Equal(File.ReadAllText(Path.Combine(lab.Root, "trusted", "ca.crl")), File.ReadAllText(Path.Combine(lab.DataDir, "root.crl")));
        // and PEM's own CA went into the backup set, the pending keys are gone
        Assert.False(File.Exists(Path.Combine(lab.DataDir, "ca_key.key")));
        Assert.Single(Directory.GetFiles(Path.Combine(lab.StateDir, "backups"), "ca_key.key", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(lab.DataDir, "server.key.pending")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(1), "agent1.key.pending")));

        // And the next plan is empty
        var again = await lab.PlanAsync(Now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));
        Assert.Empty(again.Warnings);
    }

    [Fact]
    public async Task Wrong_certificates_in_the_signed_folder_are_named_and_never_installed()
    {
        // Given pending requests, and a signed folder holding: a certificate for another key, one for agent 1's key
        // with another subject, and one for agent 2's key from another CA; the server's request is signed properly
        using var lab = Lab.Create();
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);
        await lab.ApplyAsync(Now);
        var signed = Directory.CreateDirectory(Path.Combine(lab.Root, "signed")).FullName;
        var issuing = ExternalCa.Issuing(lab.Root);
        var stranger = KeyGenerator.Generate(KeySpec.EcdsaP256);
        Write(signed, "other-key.pem", issuing.Issue("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent1", stranger.Public, LeafUsage.Client, Now.AddMinutes(-10), TimeSpan.FromDays(365)));
        Write(signed, "other-subject.pem", issuing.Issue("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent99", PendingKey(Path.Combine(lab.CertDir(1), "agent1.key.pending")), LeafUsage.Client, Now.AddMinutes(-10), TimeSpan.FromDays(365)));
        var otherCa = CertificateAuthority.CreateSelfSigned("/CN=Example Issuing CA 1", KeyGenerator.Generate(KeySpec.EcdsaP256), Now.AddDays(-1), TimeSpan.FromDays(3650));
        Write(signed, "other-ca.pem", otherCa.Issue("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent2", PendingKey(Path.Combine(lab.CertDir(2), "agent2.key.pending")), LeafUsage.Client, Now.AddMinutes(-10), TimeSpan.FromDays(365)));
        File.Delete(Path.Combine(lab.Root, "csr", "agent1.csr"));
        File.Delete(Path.Combine(lab.Root, "csr", "agent2.csr"));
        ExternalCa.Run(lab.Root, "sign");
        var live = LiveFiles(lab);

        // When it is planned and applied
        var plan = await lab.PlanAsync(Now);
        await lab.ApplyAsync(Now);

        // Then each wrong file is named with what is wrong, the plan still waits, and nothing live changed
        Assert.Contains(plan.Warnings, w => w.StartsWith("signed/other-key.pem (", StringComparison.Ordinal) && w.Contains("is for no pending key", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("signed/other-subject.pem is for agent1.key.pending but its subject is /C=IN/ST=MH/L=Pune/O=PEM/CN=agent99, want /C=IN/ST=MH/L=Pune/O=PEM/CN=agent1", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("signed/other-ca.pem is for agent2.key.pending but it does not chain to ca.certificate", StringComparison.Ordinal));
        Assert.Equal([StepAction.RequestSignature], plan.Steps.Select(s => s.Action).Distinct());
        Assert.Equal(["agent[1].certificate", "agent[2].certificate"], plan.Resources.Texts());
        Assert.Contains("waiting for the CA: signed/other-subject.pem", plan.Steps[0].Reason, StringComparison.Ordinal);
        Assert.Equal(live, LiveFiles(lab));
        Snapshot.Match(Mask(lab, PlanTextRenderer.Render(plan)), SnapshotNameExtension.Create("text"));
    }

    [Fact]
    public async Task Crl_none_comments_ssl_crl_file_out_and_switching_back_uncomments_it()
    {
        // Given a converged self-signed lab switched to a trusted CA that gives no CRL, its requests signed
        using var lab = Lab.Create();
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab, crl: false);
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");

        // When it is applied
        var (plan, _) = await lab.ApplyAsync(Now);

        // Then root.crl went into the backup set and ssl_crl_file is commented out, the line kept
        var conf = Path.Combine(lab.DataDir, "postgresql.conf");
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "server.root_crl" && s.Action == StepAction.Remove);
        Assert.False(File.Exists(Path.Combine(lab.DataDir, "root.crl")));
        Assert.Contains("#ssl_crl_file = 'root.crl'", File.ReadAllText(conf), StringComparison.Ordinal);
        Assert.Null(PostgresqlConf.Read(File.ReadAllText(conf), ["ssl_crl_file"])["ssl_crl_file"]);
        Assert.True((await lab.PlanAsync(Now)).IsEmpty);

        // And when the inventory goes back to self-signed, the CA is made again, every leaf reissued, ssl_crl_file back on
        ExternalCa.SwitchBack(lab);
        var (back, _) = await lab.ApplyAsync(Now);
        Assert.Contains(back.Steps, s => s.Address.ToString() == "ca" && s.Action == StepAction.Issue);
        Assert.Equal("root.crl", PostgresqlConf.Read(File.ReadAllText(conf), ["ssl_crl_file"])["ssl_crl_file"]);
        Assert.True(File.Exists(Path.Combine(lab.DataDir, "root.crl")));
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), Path.Combine(lab.CertDir(1), "agent1.crt")).Output, StringComparison.Ordinal);
        Assert.True((await lab.PlanAsync(Now)).IsEmpty);
    }

    [Fact]
    public async Task The_ready_plan_renders_as_json_and_markdown_with_the_comment_out()
    {
        // Given signed requests for a crl: none CA
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab, crl: false);
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");

        // When the ready plan is rendered
        var plan = await lab.PlanAsync(Now);
        var json = PlanJsonRenderer.Render(plan);
        var markdown = PlanMarkdownRenderer.Render(plan, PlanMarkdownRenderer.CommentLimit);

        // Then the comment-out survives JSON (a saved plan) and reads plainly in Markdown
        Assert.Contains("\"comment_out\": true", json, StringComparison.Ordinal);
        var edit = Assert.Single(plan.Steps.OfType<EditSettingsStep>(), s => s.Address.ToString() == "server.settings");
        Assert.True(Assert.Single(edit.Settings, s => s.Name == "ssl_crl_file").CommentOut);
        Assert.Contains("commented out", markdown, StringComparison.Ordinal);
        Snapshot.Match(Mask(lab, markdown), SnapshotNameExtension.Create("markdown"));
    }

    [Theory]
    [InlineData(1)] // the lanes one after the other: the first must not take the pending key from the second
    [InlineData(2)]
    public async Task Common_user_mode_requests_one_certificate_and_installs_it_on_every_agent(int parallelism)
    {
        // Given a common-user lab converged on the self-signed CA, switched to the trusted CA
        using var lab = Lab.Create(user: "common");
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);

        // When it is applied, signed, and applied again
        var (waiting, _) = await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");
        var (ready, _) = await lab.ApplyAsync(Now, parallelism);

        // Then one request was written for the common user, and both agents hold the same signed pair
        Assert.Equal(["server.csr", "pem_agent_common_user.csr"], waiting.Steps.Where(s => s.Action == StepAction.RequestSignature).Select(s => Path.GetFileName(s.Paths[1])));
        Assert.Equal(2, ready.Steps.Count(s => s.Action == StepAction.InstallSigned && s.Address.ToString().StartsWith("agent[", StringComparison.Ordinal)));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.CertDir(1), "agent.crt")), File.ReadAllText(Path.Combine(lab.CertDir(2), "agent.crt")));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.CertDir(1), "agent.key")), File.ReadAllText(Path.Combine(lab.CertDir(2), "agent.key")));
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), Path.Combine(lab.CertDir(2), "agent.crt")).Output, StringComparison.Ordinal);
        // and the pending key and its request went once, after every agent's lane had copied the key
        var steps = ready.Steps.ToList();
        var removal = Assert.Single(steps, s => s.Action == StepAction.RemovePending);
        Assert.Equal(Addresses.CommonAgentCertificate, removal.Address);
        Assert.True(steps.IndexOf(removal) > steps.FindLastIndex(s => s.Action == StepAction.InstallSigned));
        Assert.Empty(Directory.GetFiles(lab.Root, "*.pending", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(lab.Root, "pem_agent_common_user.csr", SearchOption.AllDirectories));
        Assert.True((await lab.PlanAsync(Now)).IsEmpty);

        // And an agent that loses its copy gets it back from the other, without a new request
        File.Delete(Path.Combine(lab.CertDir(2), "agent.key"));
        var repair = await lab.PlanAsync(Now);
        Assert.Contains(repair.Steps, s => s.Address.ToString() == "agent[2].certificate" && s is InstallStep { Source: { Kind: ResourceKind.AgentCertificate, Agent: 1 } });
        Assert.DoesNotContain(repair.Steps, s => s.Action == StepAction.RequestSignature);
    }

    private static Org.BouncyCastle.Crypto.AsymmetricKeyParameter PendingKey(string path) => PemCodec.DecodePrivateKey(File.ReadAllBytes(path))!.Public;

    private static void Write(string folder, string name, Org.BouncyCastle.X509.X509Certificate certificate) =>
        File.WriteAllText(Path.Combine(folder, name), PemCodec.EncodeCertificate(certificate));

    /// <summary>The server's and agents' live files (not pending keys, requests or backups).</summary>
    private static Dictionary<string, string> LiveFiles(Lab lab) =>
        Directory.EnumerateFiles(lab.DataDir).Concat(new[] { 1, 2 }.Where(i => Directory.Exists(lab.CertDir(i))).SelectMany(i => Directory.EnumerateFiles(lab.CertDir(i))))
            .Where(p => !p.EndsWith(".pending", StringComparison.Ordinal))
            .ToDictionary(p => p, p => Fingerprints.Sha256Hex(File.ReadAllBytes(p)));

    private static string Mask(Lab lab, string text) => DatePattern().Replace(lab.Normalize(text), "<date>");

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}")]
    private static partial Regex DatePattern();

    private static Dictionary<string, (string Sha256, DateTime Modified)> WithoutState(Lab lab, IReadOnlyDictionary<string, (string Sha256, DateTime Modified)> files) =>
        files.Where(f => !f.Key.StartsWith(lab.StateDir + "/", StringComparison.Ordinal)).ToDictionary();
}
