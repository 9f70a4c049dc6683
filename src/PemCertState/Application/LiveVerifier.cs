using System.Security.Cryptography.X509Certificates;
using Npgsql;
using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Verification;

namespace PemCertState.Application;

/// <summary>
/// `pemstate verify --connect`: logs in to the PEM database as every managed agent with that agent's own key
/// and certificate, as EDB's "Testing certificates" does with psql (sslmode verify-ca against root.crt, user =
/// the certificate's CN, SELECT version()), and checks that the server presents the server.crt on disk.
/// The certificate comes from what observation read; the key is read through its host (where pemstate runs) only while
/// it is the key observed. An agent whose key stays on its host (SSH) is not tried.
/// </summary>
public static class LiveVerifier
{
    public static async Task<LiveReport> VerifyAsync(DesiredState desired, ObservedState observed, ObservedKey.Reader readKey, CancellationToken cancellationToken)
    {
        var spec = desired.Server.Database ?? throw new ArgumentException("verify --connect needs server.database", nameof(desired));
        var host = desired.Server.Host;
        var findings = new List<Finding>();
        // The same trust as every other connection to the database; agent logins send no password, but a login that
        // succeeds against an impostor would prove nothing.
        var trust = DatabaseObserver.Trust(desired, observed.Server);

        var presented = await PresentedCertificateAsync(spec, cancellationToken).ConfigureAwait(false);
        var onDisk = observed.Server.Certificate;
        if (presented.Error is { } probeError)
            findings.Add(new Finding(Addresses.ServerCertificate, host, onDisk.File.Path, $"no TLS connection to {spec.Host}:{spec.Port}: {probeError}"));
        else if (onDisk.Certificate is { } disk && Fingerprints.Sha256Hex(disk.GetEncoded()) != presented.Sha256)
            findings.Add(new Finding(Addresses.ServerCertificate, host, onDisk.File.Path,
                "the server presents another certificate than server.crt on disk: restart it to load the new files"));

        var logins = new List<AgentLogin>();
        foreach (var agent in desired.Agents.List)
        {
            var user = PemFiles.AgentUser(desired.Agents, agent);
            var seen = observed.Agents[agent.Id];
            AgentLogin login;
            if (seen.Key is { KeptOnHost: true, Readable: true } && seen.Certificate.Certificate is not null)
                login = new AgentLogin(agent.Id, user, false, $"not tried: the key stays on {agent.Host}, and a login from here would need it") { NotTried = true };
            else if (!seen.Key.Readable || seen.Certificate.Certificate is null)
                login = new AgentLogin(agent.Id, user, false, "no readable key and certificate to log in with");
            else
                login = await LoginWithKeyAsync(spec, user, PemCodec.EncodeCertificate(seen.Certificate.Certificate), readKey, seen.Key.File,
                    trust, cancellationToken) with { AgentId = agent.Id };
            logins.Add(login);
            if (!login.Succeeded && !login.NotTried)
                findings.Add(new Finding(Addresses.AgentCertificate(agent.Id), agent.Host, seen.Certificate.File.Path, $"login as {user} failed: {login.Message}"));
        }
        return new LiveReport(logins, findings);
    }

    /// <summary>The agent's key read through its host, only while it is the one observed, for this login alone.</summary>
    private static async Task<AgentLogin> LoginWithKeyAsync(DatabaseSpec spec, string user, string certificate, ObservedKey.Reader readKey, FileFacts key,
        ServerTrust trust, CancellationToken cancellationToken)
    {
        var (pem, problem) = await readKey(key, cancellationToken).ConfigureAwait(false);
        return pem is null ? new AgentLogin(0, user, false, $"its key could not be read again: {problem}")
            : await LoginAsync(spec, user, certificate, pem, trust, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One certificate login, the server's certificate checked as server.database's sslmode says against
    /// <paramref name="trust"/>. Public for tests that log in as another agent's user on purpose.
    /// Key bytes stay in memory; the message holds only what the server or TLS layer said.
    /// </summary>
    public static async Task<AgentLogin> LoginAsync(
        DatabaseSpec spec, string user, string certificatePem, string keyPem, ServerTrust trust, CancellationToken cancellationToken)
    {
        if (spec.Verifies && trust.Problem is { } unknown) return new AgentLogin(0, user, false, unknown);
        using var client = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        string? refused = null;
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = spec.Host,
            Port = spec.Port,
            Database = spec.Name,
            Username = user,
            // Certificate logins need TLS whatever the mode; the callback below verifies the server when the mode asks.
            SslMode = SslMode.Require,
            GssEncryptionMode = GssEncryptionMode.Disable,
            Pooling = false,
            Timeout = 10,
            ApplicationName = "pemstate verify",
        }.ConnectionString);
        Database.PemDatabase.UseLogging(builder);
        builder.UseSslClientAuthenticationOptionsCallback(options =>
        {
            options.ClientCertificates = new X509CertificateCollection { client };
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (!spec.Verifies) return true;
                if (certificate is null) { refused = "the server sent no certificate"; return false; }
                using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                refused = ServerCertificateCheck.Problem(presented, chain is null ? [] : [.. chain.ChainPolicy.ExtraStore], trust, spec.Host, spec.SslMode == "verify-full");
                return refused is null;
            };
        });
        await using var source = builder.Build();
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT version()", connection);
            var version = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return new AgentLogin(0, user, true, version ?? "");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return new AgentLogin(0, user, false, refused ?? PemDatabase.Describe(Innermost(e)));
        }
    }

    /// <summary>
    /// The certificate the server sends in its handshake. The handshake is then refused on purpose: the probe needs
    /// nothing more, and so no user name, and no password Npgsql might find in PGPASSWORD or .pgpass, goes to a server
    /// that was not verified.
    /// </summary>
    private static async Task<(string? Sha256, string? Error)> PresentedCertificateAsync(DatabaseSpec spec, CancellationToken cancellationToken)
    {
        string? sha256 = null;
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = spec.Host,
            Port = spec.Port,
            Database = spec.Name,
            Username = "pemstate_probe",
            SslMode = SslMode.Require,
            GssEncryptionMode = GssEncryptionMode.Disable,
            Pooling = false,
            Timeout = 10,
        }.ConnectionString);
        Database.PemDatabase.UseLogging(builder);
        builder.UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not null) sha256 = Fingerprints.Sha256Hex(certificate.GetRawCertData());
            return false;
        });
        await using var source = builder.Build();
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
        {
            // Refused by the callback above: the certificate is what we came for.
            if (sha256 is null) return (null, PemDatabase.Describe(Innermost(e)));
        }
        return (sha256, null);
    }

    /// <summary>TLS failures arrive wrapped (NpgsqlException > AuthenticationException > the alert); the innermost says what happened.</summary>
    private static Exception Innermost(Exception e)
    {
        if (e is PostgresException) return e;
        while (e.InnerException is { } inner && e is not PostgresException) e = inner;
        return e;
    }
}
