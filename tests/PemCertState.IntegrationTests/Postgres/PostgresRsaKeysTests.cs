using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// RSA keys come from the platform's generator (OpenSSL behind .NET): a real PostgreSQL must serve TLS with
/// them and accept agents' certificate logins made with them, and openssl must find every key sound.
/// </summary>
public sealed class PostgresRsaKeysTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_tree_of_pemstate_RSA_keys_serves_TLS_and_logs_agents_in_with_psql()
    {
        // Given a CA, the server and two agents, every key RSA 2048
        postgres.RegisterAgent(1);
        postgres.RegisterAgent(2);
        var lab = new PemLab(postgres, "rsa", PemLab.PerAgent(1, 2));
        lab.Rewrite("{ algorithm: ecdsa, curve: p256 }", "{ algorithm: rsa, bits: 2048 }");

        // When pemstate applies and restarts the server
        await lab.ApplyAsync();

        // Then every key is a sound 2048-bit RSA key to openssl
        var keys = new[] { Path.Combine(postgres.DataDir, "ca_key.key"), Path.Combine(postgres.DataDir, "server.key") }
            .Concat(new[] { 1, 2 }.Select(id => Path.Combine(lab.CertDir(id), $"agent{id}.key")));
        foreach (var key in keys)
        {
            var check = Processes.Run("openssl", ["rsa", "-check", "-noout", "-text", "-in", key]);
            Assert.True(check.ExitCode == 0, check.Output);
            Assert.Contains("RSA key ok", check.Output, StringComparison.Ordinal);
            Assert.Contains("Private-Key: (2048 bit, 2 primes)", check.Output, StringComparison.Ordinal);
        }

        // and the server runs with ssl on them, and psql logs in as each agent with its own RSA certificate
        Assert.Equal("on", postgres.Sql("pem", "SHOW ssl"));
        foreach (var id in new[] { 1, 2 })
        {
            var psql = postgres.AgentPsql($"agent{id}", lab.RootCrt,
                Path.Combine(lab.CertDir(id), $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key"));
            Assert.True(psql.ExitCode == 0, psql.Output);
            Assert.Equal("1", psql.Output.Trim());
        }

        // and openssl verifies the server's and agents' certificates against root.crt
        var verify = Processes.Run("openssl", ["verify", "-CAfile", lab.RootCrt, Path.Combine(postgres.DataDir, "server.crt"),
            Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt")]);
        Assert.True(verify.ExitCode == 0, verify.Output);
    }
}
