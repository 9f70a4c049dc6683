using System.Globalization;
using PemCertState.Hosts;

namespace PemCertState.Observation;

/// <summary>
/// What a saved plan depends on: every observed file's SHA-256, mode and owner (or its absence),
/// keyed by host:path. Hashes only, never content, so a plan file holds no key material.
/// </summary>
public static class ObservedFingerprint
{
    public static SortedDictionary<string, string> Of(ObservedState observed)
    {
        var facts = new List<FileFacts>();
        var server = observed.Server;
        facts.AddRange([server.CaKey.File, server.CaCertificate.File, server.Root.File, server.Crl.File, server.Key.File, server.Certificate.File, server.Settings.File]);
        foreach (var agent in observed.Agents.Values) facts.AddRange([agent.Key.File, agent.Certificate.File, agent.Settings.File]);
        if (observed.Ledger is { } ledger)
        {
            facts.Add(ledger.File);
            foreach (var retiring in ledger.Retiring.Where(r => r.Key is not null)) facts.AddRange([retiring.Key!.File, retiring.Certificate!.File]);
        }
        if (observed.Web is { } web) facts.AddRange([web.Key.File, web.Certificate.File, web.Config, .. web.Chain is { } chain ? [chain.File] : Array.Empty<FileFacts>()]);
        // Trusted CA: what the plan was made from on this machine and on the hosts. A certificate dropped into signed/,
        // a request or pending key deleted, or a new ca.crt/ca.crl would change what the steps do.
        if (observed.Trusted is { } trusted) facts.AddRange(trusted.PendingKeys.Values.Select(k => k.File));
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in facts)
            result[$"{file.Host}:{file.Path}"] = file.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"sha256={file.Sha256} mode={FileModes.Format(file.Mode)} owner={file.Owner}")
                : "missing";
        if (observed.Trusted is { } seen)
        {
            foreach (var (path, sha256) in seen.RequestFiles) result[$"local:{path}"] = $"sha256={sha256}";
            foreach (var file in seen.Signed) result[$"local:{file.Path}"] = $"sha256={file.Sha256}";
            foreach (var (path, sha256) in seen.CaFiles) result[$"local:{path}"] = sha256 == "missing" ? sha256 : $"sha256={sha256}";
            if (seen.RenewalJobEnabled is { } enabled) result["db:job Check CA certificate expiry"] = enabled ? "enabled" : "disabled";
        }
        // The database rows a plan depends on: whether it answered, the settings the server runs with, the agent roles.
        if (observed.Database is { } db)
        {
            result[$"db:{db.Target}"] = db.Reached ? "reached" : "not reached";
            foreach (var (name, value) in db.Effective) result[$"db:{db.Target}:show {name}"] = value;
            foreach (var role in db.Roles.Values)
                result[$"db:{db.Target}:role {role.Name}"] = string.Create(CultureInfo.InvariantCulture,
                    $"exists={role.Exists} login={role.CanLogin} pem_agent={role.InPemAgent}");
        }
        return result;
    }

    /// <summary>Human lines naming what differs between two fingerprints: "pem:/x/server.key: was ..., now ...".</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> then, IReadOnlyDictionary<string, string> now) =>
        then.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Select(k => (k, before: then.GetValueOrDefault(k, "not observed"), after: now.GetValueOrDefault(k, "not observed")))
            .Where(x => x.before != x.after)
            .Select(x => $"{x.k}: was {Short(x.before)}, now {Short(x.after)}")
            .ToList();

    private static string Short(string fact) => fact.StartsWith("sha256=", StringComparison.Ordinal) && fact.Length > 23
        ? "sha256=" + fact[7..19] + "…" + fact[71..]
        : fact;
}
