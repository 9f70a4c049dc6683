using System.Globalization;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Verification;

/// <summary>
/// Checks what is on the hosts without connecting anywhere: every certificate chains to root.crt,
/// every key matches its certificate, the CRL is issued by a CA in root.crt and current, key and
/// certificate files are 0600, nothing has expired. Pure, like the planner.
/// </summary>
public static class OfflineVerifier
{
    public static IReadOnlyList<Finding> Verify(DesiredState desired, ObservedState observed, DateTimeOffset now)
    {
        var findings = new List<Finding>();
        var server = observed.Server;
        var anchors = server.Root.Certificates;
        if (!server.Root.File.Exists) Add(findings, Addresses.RootBundle, server.Root.File, "root.crt is missing: no certificate can be verified");
        else if (anchors.Count == 0) Add(findings, Addresses.RootBundle, server.Root.File, "root.crt holds no readable certificate");
        CheckMode(findings, Addresses.RootBundle, server.Root.File);

        // With a trusted CA there is no ca_key.key on the server, and with crl: none no root.crl; a root.crl left behind is still checked.
        var trusted = desired.Ca.Trusted;
        if (trusted is null) CheckPair(findings, Addresses.Ca, server.CaKey, server.CaCertificate, anchors, [], null, observed.Signatures, now);
        CheckPair(findings, Addresses.ServerCertificate, server.Key, server.Certificate, anchors, server.Crl.All, LeafUsage.Server, observed.Signatures, now);
        if (desired.Ca.GivesCrl || server.Crl.File.Exists) CheckCrl(findings, server.Crl, anchors, now);
        // An SSL setting whose value comes from an include or postgresql.auto.conf, not what pemstate wants: the server uses that.
        foreach (var (source, message) in ServerSettings.SetElsewhere(desired.Server, server, desired.Ca.GivesCrl))
            findings.Add(new Finding(Addresses.ServerSettings, desired.Server.Host, source.File, message));
        foreach (var agent in desired.Agents.List)
        {
            var seen = observed.Agents[agent.Id];
            if (seen.Unreadable is { } why)
            {
                Add(findings, Addresses.AgentCertificate(agent.Id), seen.Certificate.File, $"cannot be checked: {why}");
                continue;
            }
            CheckPair(findings, Addresses.AgentCertificate(agent.Id), seen.Key, seen.Certificate, anchors, server.Crl.All, LeafUsage.Client, observed.Signatures, now);
            if (Planner.Held(agent, seen) is { } held) Add(findings, Addresses.AgentCertificate(agent.Id), seen.Settings.File, held);
        }
        if (desired.Web is { } web && observed.Web is { } webSeen) CheckWeb(findings, desired, web, webSeen, anchors, observed.Signatures, now);
        // Files that verify are not yet files in use: a consumer that has not restarted since they changed still runs the old ones.
        var owed = OwedRestarts.Of(desired, observed);
        foreach (var consumer in Consumer.All(desired).Where(c => owed.Contains(c.Restart)))
            findings.Add(new Finding(consumer.Restart, consumer.Host, consumer.Files[0],
                $"{consumer.Name} still runs older files than those on disk ({OwedRestarts.Why}); `pemstate apply` runs its restart"));
        return findings;
    }

    /// <summary>The pair as <see cref="PairAssessment"/> judges it, in verify's words: the certificate, then the key, then both files' modes.</summary>
    private static void CheckPair(List<Finding> findings, ResourceAddress address, ObservedKey key, ObservedCertificate cert, IReadOnlyList<X509Certificate> anchors, IReadOnlyList<X509Crl> crls,
        LeafUsage? usage, SignatureFacts signatures, DateTimeOffset now)
    {
        var pair = new PairAssessment(key, cert);
        if (pair.CertificateFile == PairFile.Missing) Add(findings, address, cert.File, $"{Path.GetFileName(cert.File.Path)} is missing");
        else if (pair.CertificateFile == PairFile.Unreadable) Add(findings, address, cert.File, $"{Path.GetFileName(cert.File.Path)} is not a readable certificate");
        else if (pair.ChainProblem(anchors, now, signatures) is { } problem)
            Add(findings, address, cert.File, $"does not verify against root.crt: {problem}");
        else if (cert.Certificate!.NotAfter < now.UtcDateTime)
            Add(findings, address, cert.File, $"expired on {cert.Certificate.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        else if (pair.RevokedOn(crls, anchors) is { } revoked)
            Add(findings, address, cert.File, $"revoked on {revoked.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}: root.crl lists serial {Crypto.Serials.Text(cert.Certificate.SerialNumber)}, so the server refuses it");
        else if (usage is { } job && pair.UsageProblem(job) is { } wrongUse)
            Add(findings, address, cert.File, $"cannot do its job: {wrongUse}, so {(job == LeafUsage.Server ? "clients that verify it refuse it" : "the server refuses it")}");

        if (pair.KeyFile == PairFile.Missing) Add(findings, address, key.File, $"{Path.GetFileName(key.File.Path)} is missing");
        else if (pair.KeyFile == PairFile.Unreadable) Add(findings, address, key.File, $"{Path.GetFileName(key.File.Path)} is not a readable private key");
        else if (pair.Mismatched)
            Add(findings, address, key.File, $"{Path.GetFileName(key.File.Path)} does not belong to {Path.GetFileName(cert.File.Path)}");

        CheckMode(findings, address, key.File);
        CheckMode(findings, address, cert.File);
    }

    /// <summary>
    /// The web pair like any other (chain to root.crt, the CA pemstate manages or the trusted one; key matches; 0600),
    /// and what a browser checks beyond: every configured name in the subjectAltName, serverAuth, a chain file that holds CAs.
    /// </summary>
    private static void CheckWeb(List<Finding> findings, DesiredState desired, WebSpec web, ObservedWeb seen, IReadOnlyList<X509Certificate> anchors, SignatureFacts signatures, DateTimeOffset now)
    {
        var address = Addresses.WebCertificate;
        CheckPair(findings, address, seen.Key, seen.Certificate, anchors, [], null, signatures, now); // its serverAuth in browsers' words below
        if (seen.Certificate.Certificate is { } certificate)
        {
            var names = Crypto.SubjectAltNames.Of(certificate);
            var missing = web.SubjectAltNames.Where(n => !names.Contains(n, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
                Add(findings, address, seen.Certificate.File, $"not valid for {string.Join(", ", missing)}: its subjectAltName holds {(names.Count == 0 ? "nothing" : string.Join(", ", names))} (browsers ignore the CN)");
            if (!Crypto.SubjectAltNames.AllowsServerAuth(certificate))
                Add(findings, address, seen.Certificate.File, "its extended key usage has no serverAuth, so browsers refuse it");
            if (desired.Ca.Trusted is { } trusted && web.Issuer == WebIssuer.Trusted && TrustedCaPlanner.MissingIntermediates(web, seen, trusted) is { } lacking)
                Add(findings, address, seen.Certificate.File, $"holds the leaf without {lacking}: a browser that trusts only the root cannot build the chain");
        }
        if (seen.Chain is { } chain)
        {
            var name = Path.GetFileName(chain.File.Path);
            if (!chain.File.Exists) Add(findings, address, chain.File, $"{name} (web.chain_file) is missing");
            else if (chain.Certificates.Count == 0) Add(findings, address, chain.File, $"{name} (web.chain_file) holds no readable certificate");
            else if (chain.Certificates.FirstOrDefault(c => c.GetBasicConstraints() < 0) is { } leaf)
                Add(findings, address, chain.File, $"{name} (web.chain_file) holds {Crypto.DistinguishedNames.Format(leaf.SubjectDN)}, which is not a CA certificate");
            CheckMode(findings, address, chain.File);
        }
    }

    private static void CheckCrl(List<Finding> findings, ObservedCrl crl, IReadOnlyList<X509Certificate> anchors, DateTimeOffset now)
    {
        var address = Addresses.RootCrl;
        if (!crl.File.Exists) { Add(findings, address, crl.File, "root.crl is missing"); return; }
        if (crl.Crl is null) { Add(findings, address, crl.File, "root.crl is not a readable CRL"); return; }
        foreach (var one in crl.All)
        {
            var issuer = Crypto.DistinguishedNames.Format(one.IssuerDN);
            if (!TrustAnchors.IssuedCrl(anchors, one))
                Add(findings, address, crl.File, $"root.crl is not issued by a CA in root.crt: it holds a CRL from {issuer} (agent logins would fail with 'unknown ca')");
            if (one.NextUpdate is { } next && next < now.UtcDateTime)
                Add(findings, address, crl.File, $"root.crl's CRL from {issuer} expired: nextUpdate was {next.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        }
        // PostgreSQL checks CRLs for the whole chain (CRL_CHECK_ALL): a CA in root.crt without its CRL fails every login it signs.
        foreach (var anchor in anchors.Where(a => !crl.All.Any(c => ChainCheck.Signs(a, c))))
            Add(findings, address, crl.File, $"root.crl has no CRL from {Crypto.DistinguishedNames.Format(anchor.SubjectDN)}, which root.crt trusts: certificates it signs would be refused");
        CheckMode(findings, address, crl.File);
    }

    private static void CheckMode(List<Finding> findings, ResourceAddress address, FileFacts file)
    {
        if (file.Exists && FileModes.Permissions(file.Mode) != FileModes.Private)
            Add(findings, address, file, $"mode {FileModes.Format(file.Mode)}, want 0600");
    }

    private static void Add(List<Finding> findings, ResourceAddress address, FileFacts file, string message) =>
        findings.Add(new Finding(address, file.Host, file.Path, message));
}
