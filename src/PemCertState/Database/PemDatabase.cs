using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Npgsql;
using PemCertState.Facts;
using PemCertState.Inventory;

namespace PemCertState.Database;

/// <summary>
/// One connection to the PEM backend database (server.database): the queries observation needs and
/// the few commands apply runs. Identifiers are always quoted; values always travel as parameters.
/// </summary>
public sealed class PemDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _connection;

    private PemDatabase(NpgsqlDataSource source, NpgsqlConnection connection)
    {
        _source = source;
        _connection = connection;
    }

    /// <summary>
    /// -v: where connections to the PEM database (target and duration) and Npgsql's own events (each command with its
    /// duration; parameters are never logged) go; null, the default, logs nothing. Set once by the command line before
    /// anything connects: Npgsql's global logging switch does not reach data sources, so each one is given this.
    /// </summary>
    public static ILoggerFactory? Logging { get; set; }

    /// <summary>Gives <paramref name="builder"/> the -v logging, when on.</summary>
    internal static void UseLogging(NpgsqlDataSourceBuilder builder)
    {
        if (Logging is { } loggers) builder.UseLoggerFactory(loggers);
    }

    /// <summary>The certificate the server presented during the TLS handshake; null without TLS.</summary>
    public X509Certificate2? ServerCertificate { get; private set; }

    /// <summary>
    /// Connects as server.database says. With verify-ca / verify-full (the default) the server's certificate is checked
    /// against <paramref name="trust"/> inside the TLS handshake; Npgsql sends the startup message and any password only
    /// after the handshake, so a refused certificate means nothing of the login left this machine. A missing password
    /// variable, an unreachable server or a refused certificate is a <see cref="PemDatabaseException"/> that names the target.
    /// </summary>
    public static async Task<PemDatabase> OpenAsync(DatabaseSpec spec, ServerTrust trust, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (spec.Verifies && trust.Problem is { } unknown)
            throw new PemDatabaseException($"cannot connect to the PEM database {spec}: {unknown}");
        var builder = new NpgsqlDataSourceBuilder(ConnectionString(spec, timeout ?? TimeSpan.FromSeconds(10)));
        X509Certificate2? presented = null;
        string? refused = null;
        if (spec.Verifies || spec.SslMode is "require" or "prefer" or "allow")
            builder.UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is null)
                {
                    if (spec.Verifies) refused = "the server sent no certificate";
                    return !spec.Verifies;
                }
                presented?.Dispose();
                presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                // Weaker modes only record what the server sent (a pending restart is told from it); the inventory chose them.
                if (!spec.Verifies) return true;
                refused = ServerCertificateCheck.Problem(presented, SentAlong(chain), trust, spec.Host, checkHost: spec.SslMode == "verify-full");
                return refused is null;
            });
        UseLogging(builder);
        var source = builder.Build();
        var logger = Logging?.CreateLogger("PemCertState.Database");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // Npgsql does not give up a TLS negotiation the server never answers when the token is cancelled, only at its
            // timeout: a Ctrl-C is answered now, and a connection that opens after all is closed.
            var opening = source.OpenConnectionAsync(cancellationToken).AsTask();
            NpgsqlConnection connection;
            try { connection = await opening.WaitAsync(cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException)
            {
                _ = opening.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                throw;
            }
            if (logger is not null) DatabaseLog.Connected(logger, spec.ToString(), watch.ElapsedMilliseconds);
            return new PemDatabase(source, connection) { ServerCertificate = presented };
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
        {
            if (logger is not null) DatabaseLog.ConnectFailed(logger, spec.ToString(), watch.ElapsedMilliseconds, refused ?? e.Message);
            await source.DisposeAsync().ConfigureAwait(false);
            var presentedSha256 = refused is not null && presented is not null ? Crypto.Fingerprints.Sha256Hex(presented.RawData) : null;
            presented?.Dispose();
            throw new PemDatabaseException($"cannot connect to the PEM database {spec}: {refused ?? Describe(e)}", e)
            {
                CertificateRefused = refused is not null,
                RefusedCertificateSha256 = presentedSha256,
            };
        }
    }

    /// <summary>The intermediates the server sent beside its certificate, as the TLS layer handed them over.</summary>
    private static IEnumerable<X509Certificate2> SentAlong(X509Chain? chain) =>
        chain is null ? [] : [.. chain.ChainPolicy.ExtraStore, .. chain.ChainElements.Select(e => e.Certificate)];

    /// <summary>
    /// Tries to connect until the server accepts, or <paramref name="timeout"/> passes. Used after a restart:
    /// the restart command may return before PostgreSQL has finished starting. <paramref name="trust"/> is asked
    /// at every attempt: the restart is what makes a new server certificate (and CA) the one presented.
    /// </summary>
    public static async Task WaitUntilAcceptingAsync(DatabaseSpec spec, Func<CancellationToken, Task<ServerTrust>> trust, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + timeout;
        string last;
        while (true)
        {
            try
            {
                await using var database = await OpenAsync(spec, await trust(cancellationToken).ConfigureAwait(false), cancellationToken, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                await database.ScalarAsync<int>("SELECT 1", cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PemDatabaseException e) when (e.InnerException is not null && !e.CertificateRefused)
            {
                last = e.Message;
            }
            if (clock.GetUtcNow() >= deadline)
                throw new PemDatabaseException($"the server did not accept connections within {(int)timeout.TotalSeconds} s after the restart; last attempt: {last}");
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<int>> ActiveAgentIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<int>();
        await using var command = Command("SELECT id FROM pem.agent WHERE active = true ORDER BY id");
        await using var reader = await Run(command, r => r.ExecuteReaderAsync(cancellationToken), "read the active agents from pem.agent").ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetInt32(0));
        return ids;
    }

    /// <summary>Ids of the rows of pem.agent with active = false: agents PEM knows but no longer runs.</summary>
    public async Task<IReadOnlyList<int>> InactiveAgentIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<int>();
        await using var command = Command("SELECT id FROM pem.agent WHERE active IS NOT TRUE ORDER BY id");
        await using var reader = await Run(command, r => r.ExecuteReaderAsync(cancellationToken), "read the inactive agents from pem.agent").ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetInt32(0));
        return ids;
    }

    /// <summary>Facts for each name; a role that does not exist is reported with Exists = false.</summary>
    public async Task<IReadOnlyDictionary<string, RoleFacts>> RolesAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, RoleFacts>(StringComparer.Ordinal);
        await using var command = Command("""
            SELECT r.rolname, r.rolcanlogin,
                   CASE WHEN g.oid IS NULL THEN false ELSE pg_has_role(r.oid, g.oid, 'MEMBER') END
            FROM pg_roles r LEFT JOIN pg_roles g ON g.rolname = 'pem_agent'
            WHERE r.rolname = ANY($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = names.ToArray() });
        await using (var reader = await Run(command, c => c.ExecuteReaderAsync(cancellationToken), "read the agent roles").ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                found[reader.GetString(0)] = new RoleFacts(reader.GetString(0), true, reader.GetBoolean(1), reader.GetBoolean(2));
        }
        foreach (var name in names)
            if (!found.ContainsKey(name)) found[name] = new RoleFacts(name, false, false, false);
        return found;
    }

    /// <summary>The values the server runs with now (not what postgresql.conf says), with data_directory and config_file.</summary>
    public async Task<IReadOnlyDictionary<string, string>> EffectiveSettingsAsync(CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in SslSettings.Names.Append("data_directory").Append("config_file").Append("hba_file"))
        {
            // SHOW takes no parameters; the names are our own constants, never user input.
            settings[name] = await ScalarAsync<string>($"SHOW {name}", cancellationToken).ConfigureAwait(false) ?? "";
        }
        return settings;
    }

    /// <summary>
    /// pg_settings.context of each SSL setting: sighup (PostgreSQL 10 and later) means a reload loads it, postmaster only a
    /// restart. A setting the server does not know is left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> SettingContextsAsync(CancellationToken cancellationToken)
    {
        var contexts = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = Command("SELECT name, context FROM pg_settings WHERE name = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = SslSettings.Names.ToArray() });
        await using var reader = await Run(command, c => c.ExecuteReaderAsync(cancellationToken), "read pg_settings").ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) contexts[reader.GetString(0)] = reader.GetString(1);
        return contexts;
    }

    /// <summary>
    /// pg_settings.sourcefile and sourceline of each SSL setting that a configuration file sets: where the running value comes
    /// from. PostgreSQL shows them only to superusers and pg_read_all_settings; for anyone else they are null and left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (string File, int Line)>> SettingSourcesAsync(CancellationToken cancellationToken)
    {
        var sources = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        await using var command = Command("SELECT name, sourcefile, sourceline FROM pg_settings WHERE name = ANY($1) AND sourcefile IS NOT NULL AND sourceline IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = SslSettings.Names.ToArray() });
        await using var reader = await Run(command, c => c.ExecuteReaderAsync(cancellationToken), "read pg_settings").ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) sources[reader.GetString(0)] = (reader.GetString(1), reader.GetInt32(2));
        return sources;
    }

    /// <summary>
    /// The role pemstate logs in as (quoted as an identifier, ready for a GRANT), and whether it may run pg_reload_conf():
    /// only superusers may by default, and a reload over the database by a role without EXECUTE fails after the files changed.
    /// </summary>
    public async Task<(string Role, bool MayReload)> ReloadPrivilegeAsync(CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT quote_ident(current_user), has_function_privilege('pg_reload_conf()', 'EXECUTE')");
        await using var reader = await Run(command, c => c.ExecuteReaderAsync(cancellationToken), "read the privilege on pg_reload_conf()").ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) throw new PemDatabaseException("the privilege on pg_reload_conf() could not be read");
        return (reader.GetString(0), reader.GetBoolean(1));
    }

    /// <summary>When the server last loaded its configuration, as a new backend inherits it from the postmaster.</summary>
    public Task<DateTime> ConfigLoadedAtAsync(CancellationToken cancellationToken) =>
        ScalarAsync<DateTime>("SELECT pg_conf_load_time()", cancellationToken);

    /// <summary>
    /// Signals the postmaster to reload (SIGHUP): postgresql.conf, pg_hba.conf and, since PostgreSQL 10, every SSL file. It
    /// returns at once; <see cref="ConfigLoadedAtAsync"/> on a new connection tells when the reload happened.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (!await ScalarAsync<bool>("SELECT pg_reload_conf()", cancellationToken).ConfigureAwait(false))
            throw new PemDatabaseException("pg_reload_conf() returned false: the postmaster could not be signalled");
    }

    public async Task<IReadOnlyList<HbaRule>> HbaRulesAsync(CancellationToken cancellationToken)
    {
        var rules = new List<HbaRule>();
        await using var command = Command("""
            SELECT line_number, type, database, user_name, address, netmask, auth_method, error
            FROM pg_hba_file_rules ORDER BY line_number
            """);
        await using var reader = await Run(command, c => c.ExecuteReaderAsync(cancellationToken), "read pg_hba_file_rules").ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rules.Add(new HbaRule(
                reader.GetInt32(0),
                reader.IsDBNull(1) ? "" : reader.GetString(1),
                reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2),
                reader.IsDBNull(3) ? [] : reader.GetFieldValue<string[]>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rules;
    }

    /// <summary>
    /// Makes <paramref name="name"/> a PEM agent login: creates it with LOGIN, or adds LOGIN, and grants
    /// pem_agent, each only when missing. Returns what it did, for the log.
    /// </summary>
    public async Task<IReadOnlyList<string>> EnsureAgentRoleAsync(string name, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        var pemAgent = (await RolesAsync(["pem_agent"], cancellationToken).ConfigureAwait(false))["pem_agent"];
        if (!pemAgent.Exists)
            throw new PemDatabaseException("role pem_agent does not exist in the PEM database; is server.database.name the PEM database?");
        var role = (await RolesAsync([name], cancellationToken).ConfigureAwait(false))[name];
        var quoted = QuoteIdentifier(name);
        if (!role.Exists)
        {
            await ExecuteAsync($"CREATE ROLE {quoted} LOGIN", cancellationToken).ConfigureAwait(false);
            done.Add($"CREATE ROLE {quoted} LOGIN");
        }
        else if (!role.CanLogin)
        {
            await ExecuteAsync($"ALTER ROLE {quoted} LOGIN", cancellationToken).ConfigureAwait(false);
            done.Add($"ALTER ROLE {quoted} LOGIN");
        }
        if (!role.InPemAgent)
        {
            await ExecuteAsync($"GRANT pem_agent TO {quoted}", cancellationToken).ConfigureAwait(false);
            done.Add($"GRANT pem_agent TO {quoted}");
        }
        return done;
    }

    /// <summary>Whether <see cref="PemJobs.Renewal"/> is enabled in pem.job; null when there is no such job (or no pem.job table).</summary>
    public async Task<bool?> RenewalJobEnabledAsync(CancellationToken cancellationToken)
    {
        var exists = await ScalarAsync<bool>("SELECT to_regclass('pem.job') IS NOT NULL", cancellationToken).ConfigureAwait(false);
        if (!exists) return null;
        await using var command = Command("SELECT jobenabled FROM pem.job WHERE jobname = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = PemJobs.Renewal });
        var value = await Run(command, c => c.ExecuteScalarAsync(cancellationToken), "read pem.job").ConfigureAwait(false);
        return value is bool enabled ? enabled : null;
    }

    /// <summary>Disables <see cref="PemJobs.Renewal"/> only where it is enabled; returns whether a row changed.</summary>
    public async Task<bool> DisableRenewalJobAsync(CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE pem.job SET jobenabled = false WHERE jobname = $1 AND jobenabled IS DISTINCT FROM false");
        command.Parameters.Add(new NpgsqlParameter { Value = PemJobs.Renewal });
        return await Run(command, c => c.ExecuteNonQueryAsync(cancellationToken), "disable PEM's CA renewal job").ConfigureAwait(false) > 0;
    }

    /// <summary>Enables <see cref="PemJobs.Renewal"/> again (back to PEM's own CA); returns whether a row changed.</summary>
    public async Task<bool> EnableRenewalJobAsync(CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE pem.job SET jobenabled = true WHERE jobname = $1 AND jobenabled IS DISTINCT FROM true");
        command.Parameters.Add(new NpgsqlParameter { Value = PemJobs.Renewal });
        return await Run(command, c => c.ExecuteNonQueryAsync(cancellationToken), "enable PEM's CA renewal job").ConfigureAwait(false) > 0;
    }

    /// <summary>A PostgreSQL identifier in double quotes, embedded quotes doubled: safe for any role name.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string ConnectionString(DatabaseSpec spec, TimeSpan timeout)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = spec.Host,
            Port = spec.Port,
            Database = spec.Name,
            Username = spec.User,
            // verify-ca / verify-full: TLS is required and the certificate is checked by OpenAsync's callback against the
            // CA pemstate knows, not by Npgsql's own verification, which would look for PGSSLROOTCERT or ~/.postgresql/root.crt.
            SslMode = spec.IsUnixSocket ? SslMode.Disable : spec.Verifies ? SslMode.Require : ParseSslMode(spec.SslMode),
            Timeout = Math.Max(1, (int)timeout.TotalSeconds),
            // Npgsql's default (prefer) tries GSS encryption first and, on any failure, a whole second connection without it:
            // a refused certificate was refused twice. pemstate authenticates with TLS, a password or a certificate.
            GssEncryptionMode = GssEncryptionMode.Disable,
            // A restart closes every connection; a pooled one would fail the next query after it.
            Pooling = false,
            ApplicationName = "pemstate",
        };
        if (spec.PasswordEnv is { } variable)
        {
            builder.Password = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } password
                ? password
                : throw new PemDatabaseException($"server.database.password_env names {variable}, but the environment variable {variable} is not set");
        }
        return builder.ConnectionString;
    }

    public static SslMode ParseSslMode(string mode) => mode switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => SslMode.Prefer,
    };

    /// <summary>The server's own message for a PostgreSQL error; the exception's message otherwise. Never the connection string.</summary>
    public static string Describe(Exception e) => e switch
    {
        PostgresException p => $"{p.Severity}: {p.MessageText} ({p.SqlState})",
        NpgsqlException { InnerException: { } inner } n when n.Message.StartsWith("Exception while", StringComparison.Ordinal) => Describe(inner),
        _ => e.Message,
    };

    private async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        var value = await Run(command, c => c.ExecuteScalarAsync(cancellationToken), sql).ConfigureAwait(false);
        return value is DBNull or null ? default : (T)value;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        await Run(command, c => c.ExecuteNonQueryAsync(cancellationToken), sql).ConfigureAwait(false);
    }

    private NpgsqlCommand Command(string sql) => new(sql, _connection);

    private static async Task<T> Run<T>(NpgsqlCommand command, Func<NpgsqlCommand, Task<T>> action, string what)
    {
        try
        {
            return await action(command).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            throw new PemDatabaseException($"cannot {what}: {Describe(e)}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        ServerCertificate?.Dispose();
    }
}
