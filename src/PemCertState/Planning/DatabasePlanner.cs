using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The planner's database half: the common agent role, agent roles PEM should have made, pg_hba.conf,
/// and a server still running on settings or certificates that are no longer on disk. Pure, like <see cref="Planner"/>.
/// </summary>
internal static class DatabasePlanner
{
    /// <summary>Values PostgreSQL uses for a setting absent from postgresql.conf.</summary>
    private static readonly Dictionary<string, string> BuiltInDefaults = new(StringComparer.Ordinal)
    {
        ["ssl"] = "off",
        ["ssl_cert_file"] = "server.crt",
        ["ssl_key_file"] = "server.key",
        ["ssl_ca_file"] = "",
        ["ssl_crl_file"] = "",
    };

    /// <summary>
    /// server.database with a mode that logs in without verifying the server (the inventory asked for it): said on
    /// every plan, for as long as the inventory says so.
    /// </summary>
    public static void WarnAboutUnverifiedLogin(DesiredState desired, List<string> warnings)
    {
        if (desired.Server.Database is not { Unverified: true } spec) return;
        var how = spec.SslMode == "disable" ? "without TLS" : "without verifying the server's certificate";
        var secret = spec.PasswordEnv is { } variable ? $"the password from {variable}" : "the login";
        warnings.Add($"server.database.sslmode is {spec.SslMode}: pemstate connects to the PEM database {spec} {how}, so {secret} goes to " +
            $"whatever answers on {spec.Host}:{spec.Port}; remove sslmode (verify-full is the default) or use verify-ca, with sslrootcert if the server's certificate is not from the CA pemstate manages");
    }

    public static void PlanRoles(DesiredState desired, ObservedState observed, List<PlanStep> steps, List<string> warnings)
    {
        if (observed.Database is not { } database) return;
        var agents = desired.Agents;
        var host = desired.Server.Host;
        if (!database.Reached)
        {
            warnings.Add($"the PEM database {database.Target} was not reached ({database.Error}); " +
                "agent roles, effective settings and pg_hba.conf were not checked, the plan is made from the files alone");
            if (agents.User == AgentUserMode.Common)
                steps.Add(new CreateRoleStep(Addresses.Role(agents.CommonUser), host, "the PEM database was not reached, so the role could not be checked; apply creates it and grants pem_agent only if missing"));
            return;
        }

        if (agents.User == AgentUserMode.Common)
        {
            if (database.Roles.GetValueOrDefault(agents.CommonUser)?.Problem is { } problem)
                steps.Add(new CreateRoleStep(Addresses.Role(agents.CommonUser), host, $"{problem}; every agent logs in as {agents.CommonUser} with the common certificate"));
        }
        else
        {
            // PEM creates agent<ID> when the agent registers; pemstate does not invent roles for agents PEM does not know.
            foreach (var agent in agents.List)
                if (database.Roles.GetValueOrDefault(PemFiles.AgentUser(agents, agent))?.Problem is { } problem)
                    warnings.Add($"agent {agent.Id}: {problem}; PEM makes it when the agent registers (pemworker --register-agent), until then agent {agent.Id} cannot log in");
        }

        if (database.HbaError is { } hbaError)
            warnings.Add($"pg_hba.conf was not checked: {hbaError}");
        else if (HbaCheck.Problem(database.HbaRules, desired.Server.Database!.Name, DatabaseObserver.AgentRoles(agents)) is { } hba)
            warnings.Add(hba);
    }

    /// <summary>
    /// Why the server must restart although no file changes in this plan: postgresql.conf says one thing,
    /// the running server another, or it presents a certificate that is no longer server.crt. Null when neither.
    /// </summary>
    public static string? PendingRestart(ServerSpec server, ObservedState observed, List<string> warnings)
    {
        // Refused, yet telling: a server still presenting what is no longer server.crt (from a CA root.crt dropped) waits for its restart.
        if (observed.Database is { Reached: false, ServerCertificateSha256: { } refused } && observed.Server.Certificate.Certificate is { } current
            && Crypto.Fingerprints.Sha256Hex(current.GetEncoded()) != refused)
            return "the server still presents an older certificate than server.crt on disk (it was replaced without a restart), one the CA in root.crt does not vouch for";
        if (observed.Database is not { Reached: true } database) return null;
        var seen = observed.Server.Settings;
        var dataDir = database.Effective.GetValueOrDefault("data_directory") is { Length: > 0 } running ? running : server.DataDir;
        var ourFile = Path.Combine(server.DataDir, PemFiles.PostgresqlConf);
        if (database.Effective.GetValueOrDefault("config_file") is { Length: > 0 } configFile && configFile != ourFile)
        {
            warnings.Add($"the server reads {configFile}, not {ourFile}; pending restarts cannot be told from the file");
            return null;
        }
        if (!seen.File.Exists) return null;

        var differences = new List<string>();
        var read = ServerSettings.ReadConfigFiles(server, observed.Server);
        foreach (var (name, builtIn) in BuiltInDefaults)
        {
            // A value from a file pemstate does not read is reported (ServerSettings.RunningFromUnreadFiles): no reload makes it match.
            if (database.Sources.TryGetValue(name, out var source) && !read.Contains(source.File)) continue;
            // What the server reads: an include or postgresql.auto.conf after postgresql.conf wins over it.
            var inFile = ServerSettings.ValueInFiles(observed.Server, name) ?? builtIn;
            if (database.Effective.GetValueOrDefault(name) is not { } effective) continue;
            var same = name == "ssl"
                ? IsOn(inFile) == IsOn(effective)
                : inFile.Length == 0 || effective.Length == 0 ? inFile.Length == effective.Length : SamePath(dataDir, inFile, effective);
            if (!same) differences.Add($"{name} = '{effective}' (the file says '{inFile}')");
        }
        if (differences.Count > 0)
            return $"postgresql.conf was edited but the server still runs with {string.Join(", ", differences)}";

        if (database.ServerCertificateSha256 is { } presented && observed.Server.Certificate.Certificate is { } onDisk
            && Crypto.Fingerprints.Sha256Hex(onDisk.GetEncoded()) != presented)
            return "the server still presents an older certificate than server.crt on disk (it was replaced without a restart)";
        return null;
    }

    private static bool IsOn(string value) => value.ToLowerInvariant() is "on" or "true" or "yes" or "1";

    private static bool SamePath(string folder, string a, string b) =>
        string.Equals(Path.GetFullPath(a, folder), Path.GetFullPath(b, folder), StringComparison.Ordinal);
}
