using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The web certificate with web.issuer: trusted. It is one more certificate the trusted CA signs, in the same two
/// phases: a pending key beside web.key_file and web.csr (with the subject alternative names) while it waits; then
/// the signed certificate, matched by public key and checked like the others plus its names, installed with what the
/// server kind needs to send the chain (the intermediates after the leaf in certificate_file, or in Apache's
/// chain_file), the directives in PEM's block, the config test and the reload. After the server's files, before the
/// agents, as with the managed CA.
/// </summary>
internal static partial class TrustedCaPlanner
{
    private static Need? WebNeed(DesiredState desired) =>
        desired.Web is { Issuer: WebIssuer.Trusted } web && desired.Ca.Trusted is { } trusted
            ? new Need(Addresses.WebCertificate, web.Host, web.Subject, LeafUsage.Server, web.Policy,
                PendingFiles.WebKey(web), PendingFiles.WebRequest(trusted), web.Owner, web.SubjectAltNames)
            : null;

    /// <summary>Every name the inventory gives must be in the subjectAltName (browsers ignore the CN); names the CA added are fine.</summary>
    private static string? NamesProblem(X509Certificate leaf, Need need)
    {
        if (need.Names is not { } want) return null;
        var have = SubjectAltNames.Of(leaf);
        if (want.All(n => have.Contains(n, StringComparer.Ordinal))) return null;
        return have.Count == 0
            ? $"it has no subjectAltName, want {string.Join(", ", want)} (browsers ignore the CN)"
            : $"its names are {string.Join(", ", have)}, want {string.Join(", ", want)}";
    }

    private static void PlanTrustedWeb(DesiredState desired, ObservedState observed, Verdict? verdict, TrustedCaSpec trusted, IReadOnlySet<string> pending, List<PlanStep> steps, List<string> warnings)
    {
        if (desired.Web is not { Issuer: WebIssuer.Trusted } web || observed.Web is not { } seen || verdict is null) return;
        const string address = Addresses.WebCertificate;
        var files = new[] { seen.Key.File, seen.Certificate.File };
        var changed = false;
        if (verdict.State == State.Ready)
        {
            Planner.AddBackup(address, web.Host, web.BackupDir, files, verdict.Reason, steps);
            steps.Add(InstallSigned(verdict, web.Host, web.KeyFile, web.CertificateFile, seen.Certificate.Summary, web.Owner)
                with { Bundle = [.. AfterLeaf(web, trusted).Select(Sha256)] });
            changed = true;
        }
        else
        {
            Planner.PlanModeAndOwner(address, web.Owner, files, steps);
            if (verdict.State == State.Ok && MissingIntermediates(web, seen, trusted) is { } missing)
                warnings.Add($"{Path.GetFileName(web.CertificateFile)} holds the leaf without {missing}: a browser that trusts only the root cannot "
                    + "build the chain. Append the intermediates to it (or set chain_file for Apache); pemstate installs them with the next signed certificate");
        }
        changed |= PlanTrustedWebChain(web, seen, trusted, steps);
        changed |= Planner.PlanWebSettings(web, seen, steps, warnings);
        Planner.PlanWebReload(web, changed, pending, steps, warnings);
    }

    /// <summary>
    /// What follows the leaf in certificate_file: the intermediates, so that a client trusting only the root builds the
    /// chain (NGINX sends the whole file; so does Apache 2.4.8+). Nothing when Apache's chain_file carries them instead.
    /// </summary>
    private static IReadOnlyList<X509Certificate> AfterLeaf(WebSpec web, TrustedCaSpec trusted) =>
        web.ChainFile is not null && web.Server == WebServerKind.Apache ? [] : trusted.Intermediates;

    /// <summary>The intermediates certificate_file should carry after the leaf and does not, named; null when it carries them.</summary>
    internal static string? MissingIntermediates(WebSpec web, ObservedWeb seen, TrustedCaSpec trusted)
    {
        var want = AfterLeaf(web, trusted);
        var missing = want.Where(c => !seen.AfterLeaf.Contains(c)).ToList();
        return missing.Count == 0 ? null : string.Join(", ", missing.Select(c => DistinguishedNames.Format(c.SubjectDN)));
    }

    /// <summary>Apache's chain_file: the intermediates (the root when the CA has none), named by SSLCertificateChainFile.</summary>
    private static bool PlanTrustedWebChain(WebSpec web, ObservedWeb seen, TrustedCaSpec trusted, List<PlanStep> steps)
    {
        if (seen.Chain is not { } chain || web.ChainFile is null) return false;
        var want = trusted.Intermediates.Count > 0 ? trusted.Intermediates : trusted.Bundle;
        if (chain.File.Exists && chain.Certificates.SequenceEqual(want))
        {
            Planner.PlanModeAndOwner(Addresses.WebCertificate, web.Owner, [chain.File], steps);
            return false;
        }
        var name = Path.GetFileName(chain.File.Path);
        var held = chain.Certificates.Count == 0 ? (chain.File.Exists ? "no readable certificate" : "nothing (missing)")
            : string.Join(", ", chain.Certificates.Select(c => DistinguishedNames.Format(c.SubjectDN)));
        var reason = $"{name} holds {held}, want the trusted CA's chain: {string.Join(", ", want.Select(c => DistinguishedNames.Format(c.SubjectDN)))}";
        Planner.AddBackup(Addresses.WebCertificate, web.Host, web.BackupDir, [chain.File], reason, steps);
        steps.Add(new PlanStep(Addresses.WebCertificate, web.Host, StepAction.WriteBundle, reason, [web.ChainFile],
            Source: trusted.CertificatePath, Owner: web.Owner, Mode: FileModes.Private, Bundle: [.. want.Select(Sha256)]));
        return true;
    }

    private static string Sha256(X509Certificate certificate) => CertificateSummary.From(certificate).Sha256;
}
