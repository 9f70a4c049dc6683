using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using static PemCertState.Planning.Planner;

namespace PemCertState.Planning;

/// <summary>
/// agents.revoke_removed revokes the agents its ledger records; turned on after an agent already left, it can revoke nothing
/// for that agent, and says so (issue 20, item 7). The plan warns that agents from before the ledger cannot be tracked, and
/// lists the certificates still valid that no inventory agent holds, found in issued.jsonl (every certificate the CA signed
/// through pemstate) and, the first time, in the managed agents' backup sets.
/// </summary>
internal sealed partial class SelfSignedIssuer
{
    internal static void WarnAboutUntracked(DesiredState desired, ObservedState observed, CaView ca, DateTimeOffset now, List<string> warnings)
    {
        var agents = desired.Agents;
        // A CA being replaced ends every certificate it signed; a new CA has signed nothing yet.
        if (!agents.RevokeRemoved || observed.Ledger is not { } seen || ca.Replaced || ca.Kept is not { } kept) return;
        if (!seen.File.Exists)
            warnings.Add($"agents.revoke_removed revokes the agents that {AgentLedger.FileName} (the ledger, written by the first apply with it) records: "
                + "an agent that left the inventory before the ledger existed cannot be tracked, and is not revoked");

        var inUse = agents.List.Select(a => PemFiles.AgentSubject(agents, a)).ToHashSet(StringComparer.Ordinal);
        var known = observed.Agents.Values.Select(a => a.Certificate.Summary?.Serial)
            .Concat(seen.Ledger?.Agents.Select(e => e.Serial) ?? [])
            .Concat(seen.Ledger?.Retired.SelectMany(r => r.Serials.Append(r.Agent.Serial)) ?? [])
            .OfType<string>().Select(Normal).Concat(ManagedSerials(observed).Keys).ToHashSet(StringComparer.Ordinal);
        var listed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var found in observed.Untracked)
        {
            var certificate = found.Certificate;
            var serial = Crypto.Serials.Text(certificate.SerialNumber);
            if (known.Contains(serial) || listed.Values.Any(v => v.Contains($"serial {serial},", StringComparison.Ordinal))) continue;
            var subject = DistinguishedNames.Format(certificate.SubjectDN);
            var notAfter = new DateTimeOffset(DateTime.SpecifyKind(certificate.NotAfter, DateTimeKind.Utc));
            // An agent's login: a leaf for clientAuth only, under agents.subject, for a user no inventory agent logs in as.
            if (notAfter <= now || inUse.Contains(subject) || certificate.GetBasicConstraints() >= 0 || SubjectAltNames.AllowsServerAuth(certificate)
                || !subject.StartsWith(agents.SubjectPrefix + "/CN=", StringComparison.Ordinal)) continue;
            if (!observed.Signatures.Signs(kept, certificate) || Crypto.Revocation.RevokedOn(certificate, ca.Crls, [kept]) is not null) continue;
            listed[$"{subject} {serial}"] = $"{subject} (serial {serial}, valid until {Day(notAfter)}; found in {found.Where})";
        }
        if (listed.Count > 0)
            warnings.Add($"{(listed.Count == 1 ? "a certificate" : $"{listed.Count} certificates")} from the CA, still valid, that no inventory agent holds and the ledger "
                + $"does not record, so revoke_removed cannot revoke {(listed.Count == 1 ? "it" : "them")}: {string.Join("; ", listed.Values)}. "
                + "`pemstate apply --rotate-ca` replaces the CA, which ends every certificate it signed");
    }
}
