using System.Globalization;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Fixtures;

/// <summary>
/// A real PostgreSQL 15 from the machine's packages, started for one test class: initdb as the postgres user
/// in a temp folder, a random loopback port, a `pem` database standing in for PEM's schema (pem.agent,
/// pem.job, role pem_agent, agent roles) and PEM's pg_hba.conf cert line. SSL is on from the start, as PEM's
/// installer leaves it: a server certificate for localhost from an installer CA that root.crt holds, so that pemstate
/// reaches the database with its default sslmode verify-full before its own files are applied.
/// A missing binary fails the test with the install command; it is never skipped.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";
    public const string Install = "apt-get install -y postgresql";

    public string Root { get; }
    public string DataDir => Path.Combine(Root, "data");
    /// <summary>Owned by postgres: the server log and the unix socket.</summary>
    public string RunDir => Path.Combine(Root, "run");
    public string LogFile => Path.Combine(RunDir, "postgres.log");
    public int Port { get; }

    /// <summary>What the inventory's server.restart runs: pg_ctl as postgres, waiting until the server is up.</summary>
    public string RestartCommand => $"runuser -u postgres -- {BinDir}/pg_ctl -D {DataDir} -l {LogFile} -w restart";

    public PostgresFixture()
    {
        foreach (var tool in new[] { "initdb", "pg_ctl", "postgres" })
            if (!File.Exists(Path.Combine(BinDir, tool)))
                throw new InvalidOperationException($"{BinDir}/{tool} is missing: install PostgreSQL 15 with `{Install}`");
        if (!File.Exists("/usr/bin/psql"))
            throw new InvalidOperationException($"psql is missing: install it with `{Install}`");

        Root = Directory.CreateTempSubdirectory("pemstate-pg-").FullName;
        // The postgres user must reach its data dir through here.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(RunDir);
        Directory.CreateDirectory(DataDir);
        File.SetUnixFileMode(DataDir, (UnixFileMode)0b111_000_000);
        Processes.Check("chown", "postgres:postgres", RunDir, DataDir);
        Port = Loopback.FreePort();

        AsPostgres("initdb", "-D", DataDir, "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions");
        File.AppendAllText(Path.Combine(DataDir, "postgresql.conf"), $"""

            # pemstate integration fixture
            port = {Port.ToString(CultureInfo.InvariantCulture)}
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{RunDir}'
            fsync = off

            """);
        // PEM's cert line, as EDB's pg_hba.conf has it; the fixture's own admin login is trust on loopback.
        File.WriteAllText(Path.Combine(DataDir, "pg_hba.conf"), """
            local   all   all                       trust
            hostssl pem   +pem_agent  127.0.0.1/32  cert
            host    all   postgres    127.0.0.1/32  trust

            """);
        InstallerSsl();
        AsPostgres("pg_ctl", "-D", DataDir, "-l", LogFile, "-w", "start");

        Sql("postgres", "CREATE DATABASE pem");
        Sql("pem", """
            CREATE SCHEMA pem;
            CREATE TABLE pem.agent(id int PRIMARY KEY, active bool NOT NULL, description text);
            CREATE TABLE pem.job(jobname text PRIMARY KEY, jobenabled bool);
            INSERT INTO pem.job VALUES ('Check CA certificate expiry', true);
            CREATE ROLE pem_agent NOLOGIN;
            """);
    }

    /// <summary>The host name pemstate connects with: the name in the installer's certificate and in the one PemLab issues (CN=localhost).</summary>
    public const string Host = "localhost";

    /// <summary>
    /// What PEM's installer leaves in the data dir: root.crt with its CA, server.crt/server.key from that CA, ssl = on.
    /// No ca_certificate.crt or ca_key.key: pemstate's first apply makes its own CA, as on a fresh install.
    /// </summary>
    private void InstallerSsl()
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var ca = Crypto.CertificateAuthority.CreateSelfSigned("/O=PEM installer/CN=pem-installer-ca", Crypto.KeyGenerator.Generate(Inventory.KeySpec.EcdsaP256), now, TimeSpan.FromDays(30));
        var key = Crypto.KeyGenerator.Generate(Inventory.KeySpec.EcdsaP256);
        var certificate = ca.Issue("/O=PEM installer/CN=localhost", key.Public, Crypto.LeafUsage.Server, now, TimeSpan.FromDays(30), ["localhost", "127.0.0.1"]);
        foreach (var (name, text) in new[]
        {
            ("root.crt", Crypto.PemCodec.EncodeCertificate(ca.Certificate)),
            ("server.crt", Crypto.PemCodec.EncodeCertificate(certificate)),
            ("server.key", Crypto.PemCodec.EncodePrivateKey(key.Private)),
        })
        {
            var path = Path.Combine(DataDir, name);
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Processes.Check("chown", "postgres:postgres", path);
        }
        File.AppendAllText(Path.Combine(DataDir, "postgresql.conf"), "ssl = on\n");
    }

    /// <summary>Registers agents the way PEM does: a pem.agent row, role agent&lt;ID&gt; WITH LOGIN, GRANT pem_agent.</summary>
    public void RegisterAgent(int id, bool active = true)
    {
        var idText = id.ToString(CultureInfo.InvariantCulture);
        Sql("pem", $"""
            INSERT INTO pem.agent VALUES ({idText}, {(active ? "true" : "false")}, 'agent {idText}') ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active;
            DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent{idText}') THEN CREATE ROLE agent{idText} LOGIN; END IF; END $$;
            GRANT pem_agent TO agent{idText};
            """);
    }

    /// <summary>Runs SQL as the postgres superuser through psql over loopback; returns psql's unaligned output.</summary>
    public string Sql(string database, string sql) =>
        Processes.Check("psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-U", "postgres", "-d", database, "-A", "-t", "-c", sql).Trim();

    /// <summary>The inventory's server.database for this server: sslmode left to its default (verify-full) unless a test gives one.</summary>
    public string DatabaseYaml(string? sslmode = null) =>
        $"{{ host: {Host}, port: {Port.ToString(CultureInfo.InvariantCulture)}, name: pem, user: postgres{(sslmode is null ? "" : $", sslmode: {sslmode}")} }}";

    /// <summary>psql with libpq's own certificate login, as EDB's "Testing certificates" section does it.</summary>
    public (int ExitCode, string Output) AgentPsql(string user, string rootCrt, string certificate, string key) =>
        Processes.Run("psql", ["-X", "-A", "-t", "-c", "select 1"], new Dictionary<string, string>
        {
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = "pem",
            ["PGUSER"] = user,
            ["PGSSLMODE"] = "verify-ca",
            ["PGSSLROOTCERT"] = rootCrt,
            ["PGSSLCERT"] = certificate,
            ["PGSSLKEY"] = key,
            // No CRL from root's home may interfere: the server's CRL is what is under test.
            ["PGSSLCRL"] = "",
        });

    public void AsPostgres(string tool, params string[] arguments) =>
        Processes.Check("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, tool), .. arguments]);

    public void Dispose()
    {
        try { Processes.Run("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, "pg_ctl"), "-D", DataDir, "-m", "immediate", "-w", "stop"]); }
        finally
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
