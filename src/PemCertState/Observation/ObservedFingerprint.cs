using System.Globalization;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// What a saved plan depends on: every observed file's SHA-256, mode and owner (or its absence),
/// keyed by host:path. Hashes only, never content, so a plan file holds no key material. A private key is
/// named by its public key's fingerprint instead: a hash of the key file's bytes lets anyone who can read the plan
/// test a guessed or leaked key against it, and the public key is what the plan depends on.
/// </summary>
public static class ObservedFingerprint
{
    public static SortedDictionary<string, string> Of(ObservedState observed)
    {
        var facts = new List<FileFacts>();
        var keys = new List<ObservedKey>();
        var server = observed.Server;
        keys.AddRange([server.CaKey, server.Key]);
        facts.AddRange([server.CaCertificate.File, server.Root.File, server.Crl.File, server.Certificate.File, server.Settings.File]);
        foreach (var agent in observed.Agents.Values)
        {
            keys.Add(agent.Key);
            facts.AddRange([agent.Certificate.File, agent.Settings.File]);
        }
        if (observed.Ledger is { } ledger)
        {
            facts.Add(ledger.File);
            foreach (var retiring in ledger.Retiring.Where(r => r.Key is not null))
            {
                keys.Add(retiring.Key!);
                facts.Add(retiring.Certificate!.File);
            }
        }
        if (observed.Web is { } web)
        {
            keys.Add(web.Key);
            facts.AddRange([web.Certificate.File, web.Config, .. web.Chain is { } chain ? [chain.File] : Array.Empty<FileFacts>()]);
        }
        // Trusted CA: what the plan was made from on this machine and on the hosts. A certificate dropped into signed/,
        // a request or pending key deleted, or a new ca.crt/ca.crl would change what the steps do.
        if (observed.Trusted is { } trusted) keys.AddRange(trusted.PendingKeys.Values);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in facts)
            result[$"{file.Host}:{file.Path}"] = file.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"sha256={file.Sha256} mode={FileModes.Format(file.Mode)} owner={file.Owner}")
                : "missing";
        foreach (var key in keys)
            result[$"{key.File.Host}:{key.File.Path}"] = key.File.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"{PublicKeyFact(key)} mode={FileModes.Format(key.File.Mode)} owner={key.File.Owner}")
                : "missing";
        if (observed.Trusted is { } seen)
        {
            foreach (var (path, sha256) in seen.RequestFiles) result[$"local:{path}"] = $"sha256={sha256}";
            foreach (var file in seen.Signed) result[$"local:{file.Path}"] = $"sha256={file.Sha256}";
            foreach (var (path, sha256) in seen.CaFiles) result[$"local:{path}"] = sha256 == "missing" ? sha256 : $"sha256={sha256}";
            if (seen.RenewalJobEnabled is { } enabled) result["db:job Check CA certificate expiry"] = enabled ? "enabled" : "disabled";
        }
        // What interrupted writes left: a plan removes these, so under the lock they must still be what it was made from.
        foreach (var leftover in observed.Leftovers) result[$"{leftover.Host}:{leftover.Path}"] = Leftover(leftover.Entry);
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

    /// <summary>A leftover as lstat saw it, and what a private folder holds, by name: never content.</summary>
    private static string Leftover(LeftoverEntry entry) => string.Create(CultureInfo.InvariantCulture,
        $"leftover {entry.Kind.ToString().ToLowerInvariant()} mode={FileModes.Format(entry.Mode)} owner={entry.Owner} links={entry.Links}")
        + (entry.Entries is { } files ? $" holding {JsonText.Quote(files.Select(f => $"{f.Name} {f.Kind.ToString().ToLowerInvariant()} {f.Owner} {f.Links}"))}" : "");

    /// <summary>Human lines naming what differs between two fingerprints: "pem:/x/server.key: was ..., now ...".</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> then, IReadOnlyDictionary<string, string> now) =>
        then.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Select(k => (k, before: then.GetValueOrDefault(k, "not observed"), after: now.GetValueOrDefault(k, "not observed")))
            .Where(x => x.before != x.after)
            .Select(x => $"{x.k}: was {Short(x.before)}, now {Short(x.after)}")
            .ToList();

    /// <summary>
    /// The SubjectPublicKeyInfo's SHA-256 of a readable key. A file that is not a key pemstate can read says only that:
    /// its bytes may still be a private key in another form, and the plan is the same whatever they are.
    /// </summary>
    private static string PublicKeyFact(ObservedKey key) => key.PublicKeySha256 is { } spki ? $"public_key_sha256={spki}" : "unreadable_key";

    /// <summary>"sha256=0123456789ab…" (or public_key_sha256=): a hash cut to its first 12 digits, then what follows it.</summary>
    private static string Short(string fact)
    {
        foreach (var prefix in new[] { "sha256=", "public_key_sha256=" })
            if (fact.StartsWith(prefix, StringComparison.Ordinal) && fact.Length >= prefix.Length + 64)
                return prefix + fact.Substring(prefix.Length, 12) + "…" + fact[(prefix.Length + 64)..];
        return fact;
    }
}
