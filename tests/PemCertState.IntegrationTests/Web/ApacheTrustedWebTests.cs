using System.Net.Security;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Planning;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.IntegrationTests.Web;

/// <summary>
/// The web certificate from a trusted CA, against a real Apache httpd: a root and an intermediate CA made with openssl
/// in the test sign the requests pemstate writes, and openssl s_client, trusting only the root, verifies what httpd
/// serves after the apply.
/// </summary>
public sealed class ApacheTrustedWebTests
{
    private const string TrustedCa = """
        ca:
          source: trusted
          certificate: trusted/ca.crt
          crl: none
        """;

    /// <summary>An openssl CA in <paramref name="folder"/>/ca: a root and an issuing intermediate; trusted/ca.crt holds both.</summary>
    private static void MakeCa(string folder)
    {
        var ca = Path.Combine(folder, "ca");
        Directory.CreateDirectory(ca);
        Directory.CreateDirectory(Path.Combine(folder, "trusted"));
        string At(string name) => Path.Combine(ca, name);
        foreach (var key in new[] { "root.key", "intermediate.key" })
            Processes.Check("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", At(key));
        Processes.Check("openssl", "req", "-new", "-x509", "-key", At("root.key"), "-subj", "/O=Example Corp/CN=Test Root CA", "-days", "365",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", At("root.crt"));
        Processes.Check("openssl", "req", "-new", "-key", At("intermediate.key"), "-subj", "/O=Example Corp/CN=Test Issuing CA", "-out", At("intermediate.csr"));
        File.WriteAllText(At("intermediate.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
        Processes.Check("openssl", "x509", "-req", "-in", At("intermediate.csr"), "-CA", At("root.crt"), "-CAkey", At("root.key"),
            "-days", "365", "-extfile", At("intermediate.ext"), "-out", At("intermediate.crt"));
        File.WriteAllText(Path.Combine(folder, "trusted", "ca.crt"), File.ReadAllText(At("intermediate.crt")) + File.ReadAllText(At("root.crt")));
    }

    /// <summary>
    /// The intermediate signs every request in csr/ as a TLS server certificate for 90 days (beyond renew_before),
    /// copying the names the request asks for.
    /// </summary>
    private static void SignRequests(string folder)
    {
        var ca = Path.Combine(folder, "ca");
        Directory.CreateDirectory(Path.Combine(folder, "signed"));
        File.WriteAllText(Path.Combine(ca, "leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        foreach (var request in Directory.GetFiles(Path.Combine(folder, "csr"), "*.csr"))
            Processes.Check("openssl", "x509", "-req", "-in", request, "-CA", Path.Combine(ca, "intermediate.crt"), "-CAkey", Path.Combine(ca, "intermediate.key"),
                "-days", "90", "-extfile", Path.Combine(ca, "leaf.ext"), "-copy_extensions", "copy",
                "-out", Path.Combine(folder, "signed", Path.GetFileNameWithoutExtension(request) + ".pem"));
    }

    [Fact]
    public async Task A_trusted_CA_signs_the_web_request_and_httpd_serves_the_leaf_with_its_intermediate_to_a_client_trusting_only_the_root()
    {
        // Given httpd serving PEM's installer certificate, an inventory on a trusted CA with an intermediate
        using var httpd = new HttpdFixture();
        var lab = new WebLab(httpd.Root, "apache", httpd.SiteConfig, httpd.TestCommand, httpd.ReloadCommand, httpd.Port, HttpdFixture.PemName, TrustedCa);
        MakeCa(lab.Folder);
        var installer = File.ReadAllText(httpd.InitialCertificate);

        // When pemstate applies (requests), the CA signs, and pemstate applies again
        var (requests, waiting, _) = await lab.ApplyAsync();
        Assert.True(waiting.Succeeded, waiting.Failure);
        Assert.Contains(requests.Steps, s => s.Address == Addresses.WebCertificate && s.Action == StepAction.RequestSignature);
        Assert.DoesNotContain(requests.Steps, s => s.Address == Addresses.WebRestart);
        Assert.Equal(installer.Trim(), httpd.ServedCertificate(HttpdFixture.PemName).Trim());
        SignRequests(lab.Folder);
        var (install, result, _) = await lab.ApplyAsync();

        // Then the install ran the config test and the reload, and httpd serves the signed leaf
        Assert.True(result.Succeeded, result.Failure + "\n" + httpd.Log());
        Assert.True(install.Steps.Any(s => s.Action == StepAction.InstallSigned), string.Join("\n", install.Warnings.Concat(install.Steps.Select(s => $"{s.Address} {s.Action} {s.Reason}"))));
        Assert.Equal([StepAction.TestConfig, StepAction.Restart], install.Steps.Where(s => s.Address == Addresses.WebRestart).Select(s => s.Action));
        var signed = Processes.Check("openssl", "x509", "-in", lab.Certificate);
        Assert.Equal(signed.Trim(), httpd.WaitForServed(HttpdFixture.PemName, signed, TimeSpan.FromSeconds(15)).Trim());

        // openssl s_client trusting only the root: the chain (leaf + intermediate) verifies, for the configured name and IP
        var root = Path.Combine(lab.Folder, "ca", "root.crt");
        foreach (var check in new[] { $"-verify_hostname {HttpdFixture.PemName}", "-verify_ip 127.0.0.1" })
        {
            var (code, said) = Processes.Run("sh", ["-c",
                $"openssl s_client -connect 127.0.0.1:{httpd.Port} -servername {HttpdFixture.PemName} -CAfile {root} {check} -verify_return_error -showcerts </dev/null"]);
            Assert.True(code == 0, said + "\n" + httpd.Log());
            Assert.Contains("Verify return code: 0 (ok)", said, StringComparison.Ordinal);
            Assert.Contains("CN = Test Issuing CA", said, StringComparison.Ordinal);
        }
        var names = Processes.Check("openssl", "x509", "-in", lab.Certificate, "-noout", "-ext", "subjectAltName");
        Assert.Contains("DNS:pem.example.com, IP Address:127.0.0.1", names, StringComparison.Ordinal);

        // .NET's SslStream trusting only the root agrees, and the next plan is empty
        var (errors, subject) = await TlsHandshake.RunAsync(httpd.Port, HttpdFixture.PemName, root);
        Assert.Equal(SslPolicyErrors.None, errors);
        Assert.Equal("CN=pem.example.com, O=EDB, C=IN", subject);
        Assert.Empty((await lab.PlanAsync()).Plan.Steps);
        Assert.False(File.Exists(lab.Key + ".pending"));
    }
}
