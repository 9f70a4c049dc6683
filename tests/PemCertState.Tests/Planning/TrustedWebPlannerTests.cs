using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// The web certificate with ca.source: trusted (web.issuer defaults to trusted): a lab with PEM's Apache vhost and
/// commands that only log, and the openssl CA of examples/trusted-ca (root + intermediate). The CA signs with the
/// real clock, so these tests plan with it too.
/// </summary>
public sealed class TrustedWebPlannerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(1);

    private static string WebFile(Lab lab, string name) => Path.Combine(lab.Root, "web", "resources", name);

    /// <summary>A lab converged on the self-signed CA, with its web section, switched to the trusted CA.</summary>
    private static async Task<Lab> SwitchedLabAsync(string extra = "")
    {
        var lab = WebPlannerTests.WebLab(extra: extra);
        await lab.ApplyAsync(Now);
        ExternalCa.SwitchLab(lab);
        return lab;
    }

    [Fact]
    public async Task The_web_certificate_is_requested_with_its_names_beside_the_others_and_no_live_web_file_changes()
    {
        // Given
        using var lab = await SwitchedLabAsync();
        var certificate = File.ReadAllText(WebFile(lab, "server-pem.crt"));
        var config = File.ReadAllText(WebPlannerTests.ConfigPath(lab));

        // When
        var (plan, _) = await lab.ApplyAsync(Now);

        // Then web.csr asks for the subject and every name, the pending key is 0600 beside the live key, nothing live moved
        var web = plan.Steps.Where(s => s.Address == Addresses.WebCertificate).ToList();
        Assert.Equal([StepAction.GenerateKey, StepAction.RequestSignature], web.Select(s => s.Action));
        Assert.Equal([WebFile(lab, "server-pem.key.pending"), Path.Combine(lab.Root, "csr", "web.csr")], web[1].Paths);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(WebFile(lab, "server-pem.key.pending")));
        var request = OpenSsl.Run("req", "-in", Path.Combine(lab.Root, "csr", "web.csr"), "-noout", "-text", "-verify").Output;
        Assert.Contains("Subject: C = IN, O = EDB, CN = pem.example.com", request, StringComparison.Ordinal);
        Assert.Contains("DNS:pem.example.com, IP Address:127.0.0.1", request, StringComparison.Ordinal);
        Assert.Contains("verify OK", request, StringComparison.Ordinal);
        Assert.Equal(certificate, File.ReadAllText(WebFile(lab, "server-pem.crt")));
        Assert.Equal(config, File.ReadAllText(WebPlannerTests.ConfigPath(lab)));
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.WebRestart);
    }

    [Fact]
    public async Task A_request_is_written_again_for_the_same_pending_key_when_the_names_change_while_waiting()
    {
        // Given a written web.csr, and an apply while waiting that leaves it byte for byte
        using var lab = await SwitchedLabAsync();
        await lab.ApplyAsync(Now);
        var request = Path.Combine(lab.Root, "csr", "web.csr");
        var first = File.ReadAllText(request);
        var pending = File.ReadAllText(WebFile(lab, "server-pem.key.pending"));
        await lab.ApplyAsync(Now);
        Assert.Equal(first, File.ReadAllText(request));

        // When the inventory asks for another name before the CA signed
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("[pem.example.com, 127.0.0.1]", "[pem.example.com, pem]", StringComparison.Ordinal));
        await lab.ApplyAsync(Now);

        // Then web.csr asks for the new names, for the same pending key
        Assert.Contains("DNS:pem.example.com, DNS:pem", OpenSsl.Run("req", "-in", request, "-noout", "-text").Output, StringComparison.Ordinal);
        Assert.Equal(pending, File.ReadAllText(WebFile(lab, "server-pem.key.pending")));
    }

    [Fact]
    public async Task Once_signed_the_web_pair_is_installed_with_the_intermediate_then_tested_and_reloaded_before_the_agents()
    {
        // Given every request signed by the intermediate CA
        using var lab = await SwitchedLabAsync();
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");

        // When
        var (plan, _) = await lab.ApplyAsync(Now);

        // Then the web steps come after the server's files and before the agents, test before reload
        Assert.Equal(
            ["server.root_crt", "ca", "server.root_crl", "server.certificate", "web.certificate", "restart[web]",
             "agent[1].certificate", "restart[agent 1]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Equal([StepAction.Backup, StepAction.InstallSigned], plan.Steps.Where(s => s.Address == Addresses.WebCertificate).Select(s => s.Action));
        Assert.Equal([StepAction.TestConfig, StepAction.Restart], plan.Steps.Where(s => s.Address == Addresses.WebRestart).Select(s => s.Action));
        Assert.Empty(plan.Warnings);
        // and the certificate file is the leaf and the intermediate; openssl verifies it against the root alone, for the names
        var chain = PemCodec.DecodeCertificates(File.ReadAllBytes(WebFile(lab, "server-pem.crt")));
        Assert.Equal(["/C=IN/O=EDB/CN=pem.example.com", "/C=IN/O=Example Corp/CN=Example Issuing CA 1"], chain.Select(c => DistinguishedNames.Format(c.SubjectDN)));
        var root = Path.Combine(lab.Root, "ca", "root.crt");
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", root, "-untrusted", WebFile(lab, "server-pem.crt"), "-purpose", "sslserver",
            "-verify_hostname", "pem.example.com", "-verify_ip", "127.0.0.1", WebFile(lab, "server-pem.crt")).Output, StringComparison.Ordinal);
        Assert.False(File.Exists(WebFile(lab, "server-pem.key.pending")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(WebFile(lab, "server-pem.key")));
        // and the next plan is empty; verify and status see the web certificate from the trusted CA
        Assert.Empty((await lab.PlanAsync(Now)).Steps);
        var verify = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_NOW"] = Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, "verify");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }

    [Fact]
    public async Task A_web_certificate_file_without_its_intermediate_is_a_plan_warning_and_a_verify_finding()
    {
        // Given a converged trusted lab where someone put back the leaf alone
        using var lab = await SwitchedLabAsync();
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");
        await lab.ApplyAsync(Now);
        var leaf = PemCodec.DecodeCertificates(File.ReadAllBytes(WebFile(lab, "server-pem.crt")))[0];
        File.WriteAllText(WebFile(lab, "server-pem.crt"), PemCodec.EncodeCertificate(leaf));
        await lab.MarkRestartedAsync();

        // When
        var plan = await lab.PlanAsync(Now);
        var verify = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_NOW"] = Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, "verify");

        // Then the pair itself is fine (no new request), but both say the chain cannot be built
        Assert.Empty(plan.Steps);
        Assert.Contains(plan.Warnings, w => w.StartsWith("server-pem.crt holds the leaf without /C=IN/O=Example Corp/CN=Example Issuing CA 1", StringComparison.Ordinal));
        Assert.True(verify.ExitCode == 2, verify.Stdout + verify.Stderr);
        Assert.Contains("holds the leaf without /C=IN/O=Example Corp/CN=Example Issuing CA 1: a browser that trusts only the root cannot build the chain", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apaches_chain_file_gets_the_intermediate_and_the_certificate_file_the_leaf_alone()
    {
        // Given
        using var lab = await SwitchedLabAsync(extra: "  chain_file: web/resources/chain.crt\n");
        await lab.ApplyAsync(Now);
        ExternalCa.Run(lab.Root, "sign");

        // When
        await lab.ApplyAsync(Now);

        // Then
        Assert.Single(PemCodec.DecodeCertificates(File.ReadAllBytes(WebFile(lab, "server-pem.crt"))));
        var chain = PemCodec.DecodeCertificates(File.ReadAllBytes(WebFile(lab, "chain.crt")));
        Assert.Equal(["/C=IN/O=Example Corp/CN=Example Issuing CA 1"], chain.Select(c => DistinguishedNames.Format(c.SubjectDN)));
        Assert.Contains($"SSLCertificateChainFile {WebFile(lab, "chain.crt")}", File.ReadAllText(WebPlannerTests.ConfigPath(lab)), StringComparison.Ordinal);
        Assert.Empty((await lab.PlanAsync(Now)).Steps);
    }

    [Fact]
    public async Task A_signed_web_certificate_without_the_names_is_named_and_not_installed()
    {
        // Given a pending web request the CA signed without its subjectAltName (the other requests signed properly)
        using var lab = await SwitchedLabAsync();
        await lab.ApplyAsync(Now);
        var webRequest = Path.Combine(lab.Root, "csr", "web.csr");
        var aside = Path.Combine(lab.Root, "web.csr.aside");
        File.Move(webRequest, aside);
        ExternalCa.Run(lab.Root, "sign");
        var pending = PemCodec.DecodePrivateKey(File.ReadAllBytes(WebFile(lab, "server-pem.key.pending")))!;
        var bare = ExternalCa.Issuing(lab.Root).Issue("/C=IN/O=EDB/CN=pem.example.com", pending.Public, LeafUsage.Server, Now.AddMinutes(-2), TimeSpan.FromDays(90));
        File.WriteAllText(Path.Combine(lab.Root, "signed", "from-the-ca.pem"), PemCodec.EncodeCertificate(bare));

        // When
        var plan = await lab.PlanAsync(Now);

        // Then the plan still waits, names the file and the missing names, and installs nothing
        Assert.All(plan.Steps, s => Assert.Equal(StepAction.RequestSignature, s.Action));
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("signed/from-the-ca.pem is for server-pem.key.pending but it has no subjectAltName, want pem.example.com, 127.0.0.1", warning, StringComparison.Ordinal);
        Assert.Contains("web.csr", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_issuer_trusted_needs_a_trusted_CA()
    {
        // Given a self-signed CA and a web section that asks for the trusted flow
        using var lab = WebPlannerTests.WebLab(extra: "  issuer: trusted\n");

        // When
        var result = PemCertState.Inventory.InventoryLoader.Load(lab.InventoryPath);

        // Then
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.StartsWith("web.issuer: trusted needs ca.source: trusted", diagnostic.Message, StringComparison.Ordinal);
    }
}
