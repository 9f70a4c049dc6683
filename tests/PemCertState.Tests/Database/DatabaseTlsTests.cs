using System.Security.Cryptography.X509Certificates;
using System.Text;
using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Database;

/// <summary>
/// server.database's TLS, against a stranger on the database's address (<see cref="FakePostgres"/>): with the
/// inventory's default, pemstate verifies the server's certificate against the CA it manages before anything of the
/// login is sent. The handshake is real (.NET's SslStream on both ends), the connection is the real PemDatabase.OpenAsync.
/// </summary>
public sealed class DatabaseTlsTests : IDisposable
{
    private const string Password = "correct-horse-battery-staple-7f3a";

    // TLS checks validity against the real clock.
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(-5);

    private readonly string _root = Directory.CreateTempSubdirectory("pemstate-dbtls-").FullName;
    private readonly string _passwordVariable = $"PEMSTATE_TEST_DB_PASSWORD_{Guid.NewGuid():N}";
    private readonly CertificateAuthority _pemCa = Ca("/O=PEM/CN=pem-ca");
    private readonly CertificateAuthority _otherCa = Ca("/O=Elsewhere/CN=impostor-ca");

    public DatabaseTlsTests()
    {
        Directory.CreateDirectory(DataDir);
        Environment.SetEnvironmentVariable(_passwordVariable, Password);
    }

    private string DataDir => Path.Combine(_root, "data");
    private string RootCrt => Path.Combine(DataDir, PemFiles.RootBundle);

    [Fact]
    public async Task The_default_sends_no_password_to_a_server_whose_certificate_comes_from_another_CA()
    {
        // Given root.crt on the PEM server holds pem-ca, and a stranger on the database's address presents a
        // certificate for 127.0.0.1 from another CA
        WriteRoot(_pemCa);
        using var stranger = new FakePostgres(ServerCertificate(_otherCa, "127.0.0.1"));
        var desired = Inventory(stranger.Port);

        // When pemstate connects with the inventory's default sslmode
        var error = await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(desired));
        var session = await stranger.Served;

        // Then the stranger got the SSLRequest and the handshake, and nothing after it: no startup message, no password
        Assert.True(session.SslRequested);
        Assert.Empty(session.AfterHandshake);

        // and the error names the database, the CA file and what the verification found
        Assert.Contains($"cannot connect to the PEM database postgres@127.0.0.1:{stranger.Port}/pem: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the server's certificate (CN=127.0.0.1, O=Elsewhere, issued by CN=impostor-ca, O=Elsewhere) is not signed by a CA in {RootCrt}: ",
            error.Message, StringComparison.Ordinal);
        Assert.True(error.CertificateRefused);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_full_sends_no_password_to_a_certificate_from_the_right_CA_for_another_host()
    {
        // Given a server certificate from pem-ca, but for pem.example.com, on 127.0.0.1
        WriteRoot(_pemCa);
        using var server = new FakePostgres(ServerCertificate(_pemCa, "pem.example.com"));
        var desired = Inventory(server.Port, sslmode: "verify-full");

        // When pemstate connects to 127.0.0.1
        var error = await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(desired));
        var session = await server.Served;

        // Then nothing of the login arrived, and the error says whose certificate it is
        Assert.Empty(session.AfterHandshake);
        Assert.Contains($"postgres@127.0.0.1:{server.Port}/pem: the server's certificate (subjectAltName pem.example.com) is not for 127.0.0.1",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ca_accepts_that_certificate_and_only_then_the_password_is_sent()
    {
        // Given the same certificate for another host name, and sslmode verify-ca, which checks the CA only
        WriteRoot(_pemCa);
        using var server = new FakePostgres(ServerCertificate(_pemCa, "pem.example.com"));
        var desired = Inventory(server.Port, sslmode: "verify-ca");

        // When pemstate connects (the fake server hangs up after the password)
        await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(desired));
        var session = await server.Served;

        // Then the handshake passed and the login followed it: the fake server sees what a stranger would have seen
        Assert.True(session.LoggedIn);
        Assert.Contains("postgres", Encoding.UTF8.GetString(session.AfterHandshake), StringComparison.Ordinal);
        Assert.Contains(Password, Encoding.UTF8.GetString(session.AfterHandshake), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Require_said_explicitly_logs_in_to_the_stranger()
    {
        // Given sslmode require in the inventory and the stranger with another CA's certificate
        WriteRoot(_pemCa);
        using var stranger = new FakePostgres(ServerCertificate(_otherCa, "127.0.0.1"));
        var desired = Inventory(stranger.Port, sslmode: "require");

        // When pemstate connects
        await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(desired));
        var session = await stranger.Served;

        // Then the password went to it: why require is only ever the inventory's explicit choice
        Assert.Contains(Password, Encoding.UTF8.GetString(session.AfterHandshake), StringComparison.Ordinal);
    }

    [Fact]
    public async Task During_a_CA_rotation_a_certificate_from_the_old_or_the_new_CA_is_trusted()
    {
        // Given phase 1 of a rotation: root.crt holds the old CA and the new one, ca_certificate.crt the new one
        var newCa = Ca("/O=PEM/CN=pem-ca-2");
        File.WriteAllText(RootCrt, PemCodec.EncodeCertificate(_pemCa.Certificate) + PemCodec.EncodeCertificate(newCa.Certificate));
        File.WriteAllText(Path.Combine(DataDir, PemFiles.CaCertificate), PemCodec.EncodeCertificate(newCa.Certificate));

        foreach (var ca in new[] { _pemCa, newCa })
        {
            // When the server presents a certificate from either
            using var server = new FakePostgres(ServerCertificate(ca, "127.0.0.1"));
            await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(Inventory(server.Port)));

            // Then it is verified, and the login follows
            Assert.True((await server.Served).LoggedIn);
        }
    }

    [Fact]
    public async Task During_an_apply_the_CA_observed_before_it_stays_trusted_after_root_crt_dropped_it()
    {
        // Given root.crt already rewritten to the new CA, while the server (not restarted yet) presents the old CA's certificate
        var newCa = Ca("/O=PEM/CN=pem-ca-2");
        WriteRoot(newCa);
        using var server = new FakePostgres(ServerCertificate(_pemCa, "127.0.0.1"));
        var desired = Inventory(server.Port);

        // When the apply connects with the CAs it observed before it began
        await using var hosts = new HostSet(desired);
        var trust = await DatabaseObserver.TrustAsync(desired, hosts[desired.Server.Host], [_pemCa.Certificate], CancellationToken.None);
        await Assert.ThrowsAsync<PemDatabaseException>(() => PemDatabase.OpenAsync(desired.Server.Database!, trust, CancellationToken.None));

        // Then the old CA's certificate is still accepted
        Assert.True((await server.Served).LoggedIn);
    }

    [Fact]
    public async Task Without_root_crt_or_sslrootcert_nothing_is_sent_and_the_error_says_what_to_give()
    {
        // Given a data dir without root.crt (PEM's SSL not set up yet)
        var desired = Inventory(1);

        // When pemstate connects
        var error = await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(desired));

        // Then it refuses before connecting, and names the ways out
        Assert.Contains("postgres@127.0.0.1:1/pem: no CA to verify the server's certificate with", error.Message, StringComparison.Ordinal);
        Assert.Contains("server.database.sslrootcert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sslrootcert_replaces_the_managed_CA()
    {
        // Given root.crt with pem-ca, and sslrootcert naming a file with the other CA, which signed the server's certificate
        WriteRoot(_pemCa);
        var rootCert = Path.Combine(_root, "db-ca.crt");
        File.WriteAllText(rootCert, PemCodec.EncodeCertificate(_otherCa.Certificate));
        using var server = new FakePostgres(ServerCertificate(_otherCa, "127.0.0.1"));

        // When pemstate connects
        await Assert.ThrowsAsync<PemDatabaseException>(() => ConnectAsync(Inventory(server.Port, rootCert: rootCert)));

        // Then that certificate is verified and the login follows
        Assert.True((await server.Served).LoggedIn);
    }

    private DesiredState Inventory(int port, string? sslmode = null, string? rootCert = null)
    {
        var options = (sslmode is null ? "" : $", sslmode: {sslmode}") + (rootCert is null ? "" : $", sslrootcert: {rootCert}");
        var result = InventoryLoader.Parse($$"""
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /O=PEM/CN=pem-ca }
            server:
              host: pem
              data_dir: {{DataDir}}
              subject: /CN=pem
              database: { host: 127.0.0.1, port: {{port}}, user: postgres, password_env: {{_passwordVariable}}{{options}} }
            """, Path.Combine(_root, "pemstate.yaml"));
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        return result.State!;
    }

    /// <summary>The way discovery and the executor connect: the trust read from the server's data dir, then OpenAsync.</summary>
    private static async Task ConnectAsync(DesiredState desired)
    {
        await using var hosts = new HostSet(desired);
        var trust = await DatabaseObserver.TrustAsync(desired, hosts[desired.Server.Host], null, CancellationToken.None);
        await using var database = await PemDatabase.OpenAsync(desired.Server.Database!, trust, CancellationToken.None, TimeSpan.FromSeconds(2));
    }

    private void WriteRoot(CertificateAuthority ca) => File.WriteAllText(RootCrt, PemCodec.EncodeCertificate(ca.Certificate));

    private static CertificateAuthority Ca(string subject) =>
        CertificateAuthority.CreateSelfSigned(subject, KeyGenerator.Generate(KeySpec.EcdsaP256), Now, TimeSpan.FromDays(30));

    private static X509Certificate2 ServerCertificate(CertificateAuthority ca, string name)
    {
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var certificate = ca.Issue($"/O={Organization(ca)}/CN={name}", key.Public, LeafUsage.Server, Now, TimeSpan.FromDays(30), [name]);
        return X509Certificate2.CreateFromPem(PemCodec.EncodeCertificate(certificate), PemCodec.EncodePrivateKey(key.Private));
    }

    private static string Organization(CertificateAuthority ca) =>
        ca.Certificate.SubjectDN.GetValueList(Org.BouncyCastle.Asn1.X509.X509Name.O).FirstOrDefault() ?? "PEM";

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        Directory.Delete(_root, recursive: true);
    }
}
