using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// Moving from one trusted CA to another (ca.certificate now names a different CA while certificates from the old one are
/// in use), with overlapping trust as PEM's own CA rotation does: (1) root.crt holds the old and the new CA (root.crl a CRL
/// for each, or ssl_crl_file commented out while either has none) and the server restarts trusting both; (2) the server and
/// every agent get the certificates the new CA signed, agents restarted one by one; (3) the old CA leaves root.crt and
/// root.crl, and the server restarts last. Requests are written first, as always: nothing moves until every one is signed,
/// then one apply runs the three phases. Level-based: a rerun after a crash finds root.crt holding both and continues.
/// </summary>
internal sealed class TrustedRotation(IReadOnlyList<X509Certificate> old)
{
    /// <summary>The old CA's certificates in root.crt (root and intermediates) that the new ca.certificate does not hold.</summary>
    public IReadOnlyList<X509Certificate> Old { get; } = old;

    public string OldNames => DistinguishedNames.Subjects(Old);

    /// <summary>postgresql.conf's SSL settings as phase 1 leaves them (ssl_crl_file commented out, or as observed), for phase 3.</summary>
    private ObservedConfig? _settingsAfterOverlap;

    /// <summary>
    /// The old CA when this is a move between two trusted CAs, else null: PEM's own CA is gone from the server (a trusted CA
    /// moved it away), root.crt holds valid CA certificates that ca.certificate does not, and a managed certificate still
    /// chains to them or root.crt already trusts the new CA beside them (a rotation under way).
    /// </summary>
    public static TrustedRotation? From(ObservedState observed, TrustedCaSpec trusted, DateTimeOffset now)
    {
        var server = observed.Server;
        if (server.CaCertificate.File.Exists || server.CaKey.File.Exists) return null; // PEM's own CA: EDB's switch, below
        var root = server.Root.Certificates;
        var old = root.Where(c => !trusted.Bundle.Contains(c) && c.GetBasicConstraints() >= 0 && c.NotAfter > now.UtcDateTime).ToList();
        if (old.Count == 0) return null;
        var leaves = observed.Agents.Values.Select(a => a.Certificate.Certificate).Prepend(server.Certificate.Certificate).OfType<X509Certificate>();
        var inUse = leaves.Any(leaf => observed.Signatures.ChainProblem(leaf, old, now) is null);
        var underWay = trusted.Bundle.All(c => root.Contains(c));
        return inUse || underWay ? new TrustedRotation(old) : null;
    }

    /// <summary>Phase 1: root.crt = old CA + new CA; root.crl = a CRL from each, or ssl_crl_file commented out while one has none.</summary>
    public bool PlanOverlap(ServerSpec server, ObservedServer seen, TrustedCaSpec trusted, DateTimeOffset now, List<PlanStep> steps)
    {
        var newNames = DistinguishedNames.Subjects(trusted.Bundle);
        var entries = Old.Select(c => CertificateSummary.From(c).Sha256).Append(TrustedCaPlanner.TrustedBundleEntry).ToList();
        // Already both: root.crt is left as it is (its mode and owner are phase 3's to check).
        var changed = !seen.Root.Certificates.SequenceEqual([.. Old, .. trusted.Bundle]) && RootTrust.PlanBundle(server, seen.Root,
            $"CA rotation, phase 1: root.crt trusts the old CA ({OldNames}) and the new one ({newNames}) while every certificate moves to the new CA",
            trusted.CertificatePath, steps, entries);

        _settingsAfterOverlap = seen.Settings;
        if (seen.Settings.Settings.GetValueOrDefault("ssl_crl_file") is not { Length: > 0 } crlSetting) return changed;
        var oldCrls = Old.Select(ca => CurrentCrl(seen.Crl, ca, now)).ToList();
        if (trusted.CrlPem is not null && oldCrls.All(c => c is not null))
        {
            var want = oldCrls.Concat(trusted.Crls).ToList();
            if (!seen.Crl.All.SequenceEqual(want))
                changed |= RootTrust.PlanCrl(server, seen.Crl,
                    $"CA rotation, phase 1: root.crl holds a current CRL from each CA in root.crt ({OldNames} and {newNames}); a CA without its CRL fails every login it signs",
                    trusted.CrlPath, steps, entries);
            return changed;
        }

        // One of the two CAs has no CRL: with CRL checking on, PostgreSQL would reject every certificate that CA signed.
        var why = trusted.CrlPem is null
            ? "the new CA gives no CRL (crl: none)"
            : $"root.crl has no current CRL from the old CA ({OldNames}), and only the CA can sign one";
        var overlap = $"CA rotation, phase 1: {why}, so ssl_crl_file is commented out while both CAs are trusted; phase 3 sets it for the new CA";
        Planner.AddBackup(Addresses.ServerSettings, server.Host, server.BackupDir, [seen.Settings.File], overlap, steps);
        steps.Add(new EditSettingsStep(Addresses.ServerSettings, server.Host, overlap,
            seen.Settings.File.Path, [new SettingChange("ssl_crl_file", crlSetting, "") { CommentOut = true }], ConfigFormat.PostgresqlConf));
        var settings = seen.Settings.Settings.ToDictionary(StringComparer.Ordinal);
        settings["ssl_crl_file"] = null;
        _settingsAfterOverlap = seen.Settings with { Settings = settings };
        return true;
    }

    /// <summary>Phase 3: every managed certificate now comes from the new CA; the old one leaves root.crt and root.crl.</summary>
    public void PlanFinal(ServerSpec server, ObservedServer seen, TrustedCaSpec trusted, List<PlanStep> steps)
    {
        RootTrust.PlanFinalBundle(server, seen, OldNames, trusted.CertificatePath, steps);
        if (trusted.CrlPem is not null)
        {
            var crl = $"CA rotation, phase 3: root.crl holds only the new CA's CRL ({Path.GetFileName(trusted.CrlPath)})";
            steps.Add(new BackupStep(Addresses.RootCrl, server.Host, crl, [seen.Crl.File.Path], server.BackupDir));
            steps.Add(new WriteCrlStep(Addresses.RootCrl, server.Host, crl, seen.Crl.File.Path, trusted.CrlPath, Owner: server.Owner));
        }
        else if (seen.Crl.File.Exists)
        {
            var crl = "CA rotation, phase 3: the new CA gives no CRL (crl: none); the old CA's root.crl is moved into the backup set";
            steps.Add(new BackupStep(Addresses.RootCrl, server.Host, crl, [seen.Crl.File.Path], server.BackupDir));
            steps.Add(new RemoveStep(Addresses.RootCrl, server.Host, crl, [seen.Crl.File.Path]));
        }
        ServerSettings.Plan(server, _settingsAfterOverlap ?? seen.Settings, null, trusted.CrlPath is not null, steps);
    }

    private static X509Crl? CurrentCrl(ObservedCrl crls, X509Certificate ca, DateTimeOffset now) =>
        crls.All.FirstOrDefault(c => TrustAnchors.IssuedCrl([ca], c)
            && (c.NextUpdate is not { } next || new DateTimeOffset(next, TimeSpan.Zero) > now));
}
