using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// The executor's trusted-CA half: pending keys and requests out, signed certificates in, root.crt and root.crl
/// from the trusted CA's files, ssl_crl_file commented out, PEM's renewal job off, and the preflight before the
/// first restart. One per apply. Switches on the step's action and data, never on its reason.
/// </summary>
internal sealed class SignedCertificates(DesiredState desired, ObservedState observed, TimeProvider clock)
{
    /// <summary>Carries out the step when it is one of the trusted CA's; false leaves it to the executor.</summary>
    /// <param name="keptOnHost">A pending key made on its host in this apply, by address (path, SHA-256, public half); null when none.</param>
    public async Task<bool> TryExecuteAsync(PlanStep step, HostSet hosts, IReadOnlyDictionary<ResourceAddress, AsymmetricCipherKeyPair> keys,
        Func<ResourceAddress, KeptKey?> keptOnHost, CancellationToken ct)
    {
        var host = hosts[step.Host];
        switch (step)
        {
            case RequestSignatureStep sign:
                await RequestAsync(sign, host, keys, keptOnHost(step.Address), ct).ConfigureAwait(false);
                return true;
            case InstallSignedStep install:
                await InstallAsync(install, host, hosts, ct).ConfigureAwait(false);
                return true;
            case WriteBundleStep bundle when bundle.Source != RootTrust.ManagedCa:
                await WritePrivateAsync(host, bundle.Path, string.Concat(BundleOf(bundle.Bundle).Select(PemCodec.EncodeCertificate)), bundle.Owner, ct).ConfigureAwait(false);
                return true;
            case WriteCrlStep crl when crl.Source != RootTrust.ManagedCa:
                await WritePrivateAsync(host, crl.Path, crl.Bundle is null
                    ? Trusted.CrlPem ?? throw new StepFailedException("ca.crl is none; no CRL to write")
                    : string.Concat(RotationCrls(crl.Bundle).Select(PemCodec.EncodeCrl)), crl.Owner, ct).ConfigureAwait(false);
                return true;
            case RemoveStep remove:
                foreach (var path in remove.Files) await host.DeleteAsync(path, ct).ConfigureAwait(false);
                return true;
            case DisableJobStep:
                await RenewalJobAsync(step, hosts, enable: false, ct).ConfigureAwait(false);
                return true;
            case EnableJobStep:
                await RenewalJobAsync(step, hosts, enable: true, ct).ConfigureAwait(false);
                return true;
            case RemovePendingStep pending:
                // The key first: a request left behind without its key is harmless, and the next plan removes it.
                if (pending.PendingKey is { } key) await host.DeleteAsync(key, ct).ConfigureAwait(false);
                if (pending.RequestFile is { } request) File.Delete(request);
                return true;
            case EditSettingsStep edit when edit.Settings.Any(s => s.CommentOut):
                await EditSettingsAsync(edit, host, ct).ConfigureAwait(false);
                return true;
            case RestartStep when desired.Ca.Source == CaSource.Trusted && step.Address is { Kind: ResourceKind.AgentRestart, Agent: { } id }:
                await PreflightAgentAsync(step, id, host, ct).ConfigureAwait(false);
                return false;
            case RestartStep or ReloadStep when desired.Ca.Source == CaSource.Trusted
                && step.Address.IsServerLoad:
                await PreflightAsync(step, hosts, ct).ConfigureAwait(false);
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A bundle's entries: the trusted CA's whole ca.certificate; one of its certificates by SHA-256 (a web chain
    /// file); or, while moving between trusted CAs, the old CA still in root.crt by SHA-256.
    /// </summary>
    private IEnumerable<Org.BouncyCastle.X509.X509Certificate> BundleOf(IReadOnlyList<string>? bundle) =>
        (bundle ?? [TrustedCaPlanner.TrustedBundleEntry]).SelectMany(entry =>
            entry == TrustedCaPlanner.TrustedBundleEntry ? Trusted.Bundle
            : Trusted.Bundle.FirstOrDefault(c => CertificateSummary.From(c).Sha256 == entry) is { } own ? [own]
            : [OldCa(entry)]);

    /// <summary>root.crl during that move: the old CA's current CRL from root.crl, and ca.crl's.</summary>
    private IEnumerable<Org.BouncyCastle.X509.X509Crl> RotationCrls(IReadOnlyList<string> bundle) =>
        bundle.SelectMany(entry =>
        {
            if (entry == TrustedCaPlanner.TrustedBundleEntry) return Trusted.Crls;
            var ca = OldCa(entry);
            var now = clock.GetUtcNow().UtcDateTime;
            var crl = observed.Server.Crl.All.FirstOrDefault(c => c.IssuerDN.Equivalent(ca.SubjectDN) && Crypto.ChainCheck.Signs(ca, c) && (c.NextUpdate is not { } next || next > now))
                ?? throw new StepFailedException($"root.crl no longer holds a current CRL from {DistinguishedNames.Format(ca.SubjectDN)}; run pemstate plan again");
            return [crl];
        });

    private Org.BouncyCastle.X509.X509Certificate OldCa(string sha256) =>
        observed.Server.Root.Certificates.FirstOrDefault(c => CertificateSummary.From(c).Sha256 == sha256)
            ?? throw new StepFailedException($"the CA certificate with SHA-256 {sha256} is no longer in root.crt; run pemstate plan again");

    private TrustedCaSpec Trusted => desired.Ca.Trusted ?? throw new StepFailedException("this step needs ca.source: trusted in the inventory");

    /// <summary>The pending key on its host (never over the live key), then the CSR beside the inventory.</summary>
    /// <summary>A key on the host that keeps it: where, what the file holds, and its public half.</summary>
    public sealed record KeptKey(string Path, string Sha256, AsymmetricKeyParameter Public);

    private async Task RequestAsync(RequestSignatureStep step, IHost host, IReadOnlyDictionary<ResourceAddress, AsymmetricCipherKeyPair> keys, KeptKey? kept, CancellationToken ct)
    {
        var pendingPath = step.PendingKey;
        var requestPath = step.RequestFile;
        AsymmetricCipherKeyPair? key = null;
        if (kept is null && keys.TryGetValue(step.Address, out var generated))
        {
            key = generated;
            await WritePrivateAsync(host, pendingPath, PemCodec.EncodePrivateKey(key.Private), step.Owner, ct).ConfigureAwait(false);
        }
        else if (kept is null)
        {
            // Observed pending key: it signs its request through its host (where pemstate runs too), only while it has the SHA-256 observed.
            var pending = observed.Trusted?.PendingKeys.GetValueOrDefault(step.Address);
            kept = pending is { Public: { } publicKey } ? new KeptKey(pending.File.Path, pending.File.Sha256, publicKey)
                : throw new StepFailedException($"{pendingPath} could not be read; run pemstate plan again");
        }
        var fingerprint = Fingerprints.PublicKey(key?.Public ?? kept!.Public);
        if (File.Exists(requestPath) && CertificateRequests.Asks(await File.ReadAllBytesAsync(requestPath, ct).ConfigureAwait(false), fingerprint, step.Request.Subject, step.Request.SubjectAltNames))
            return;
        // A key its host keeps signs its own request there; only the request comes back.
        var pem = key is not null ? CertificateRequests.Create(step.Request.Subject, key, step.Request.SubjectAltNames)
            : await CertificateRequests.CreateAsync(step.Request.Subject, kept!.Public,
                RemoteSigner.For(kept.Public, (data, c) => host.SignAsync(kept.Path, kept.Sha256, data, RemoteSigner.AlgorithmFor(kept.Public).Digest, c)),
                step.Request.SubjectAltNames, ct).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(requestPath)!);
        var temporary = requestPath + ".tmp";
        await File.WriteAllTextAsync(temporary, pem, Encoding.ASCII, ct).ConfigureAwait(false);
        File.Move(temporary, requestPath, overwrite: true);
    }

    /// <summary>Pending key and signed certificate (+ intermediates for the server) installed together, key first; then the pending key goes.</summary>
    private async Task InstallAsync(InstallSignedStep step, IHost host, HostSet hosts, CancellationToken ct)
    {
        var seen = observed.Trusted ?? throw new StepFailedException("nothing was observed of the trusted CA");
        var pending = seen.PendingKeys.GetValueOrDefault(step.Address)
            ?? (desired.Agents.User == AgentUserMode.Common ? seen.PendingKeys.GetValueOrDefault(Addresses.CommonAgentCertificate) : null);
        if (pending is not { Readable: true })
            throw new StepFailedException($"the pending key for {step.Address} is gone; run pemstate plan again");
        var signed = seen.Signed.FirstOrDefault(f => f.Path == step.Signed)
            ?? throw new StepFailedException($"{step.Signed} was not observed; run pemstate plan again");
        var leaf = signed.Leaf!;
        if (Fingerprints.Sha256Hex(leaf.GetEncoded()) != step.Sha256)
            throw new StepFailedException($"{step.Signed} changed since the plan was made; nothing installed from it");
        if (Fingerprints.PublicKey(leaf.GetPublicKey()) != pending.PublicKeySha256)
            throw new StepFailedException($"{step.Signed} is not for {pending.File.Path}; nothing installed");

        // Chain (the web certificate) names what follows the leaf; the server sends its intermediates; agents the leaf alone.
        IReadOnlyList<X509Certificate> chain = step.Chain is { } following ? [leaf, .. BundleOf(following)]
            : step.Address == Addresses.ServerCertificate ? [leaf, .. Trusted.Intermediates] : [leaf];
        // The pending key is copied to its live name on its host, checked against what was observed.
        var key = pending.File.Host == step.Host ? PairSwitch.PairKey.OnHost(pending.File.Path, pending.File.Sha256)
            : throw new StepFailedException($"the pending key {pending.File.Path} is on {pending.File.Host}, not on {step.Host}; run pemstate plan again");
        await PairSwitch.InstallAsync(host, desired, step.Address, step.KeyPath, step.CertificatePath,
            key, string.Concat(chain.Select(PemCodec.EncodeCertificate)), step.Owner, ct).ConfigureAwait(false);
        // The common pair's pending key serves every agent's lane: the plan removes it once, after them all.
        if (!seen.PendingKeys.ContainsKey(step.Address)) return;
        // The key now lives under its real name; a pending copy would only be a second place for it to leak from.
        await hosts[pending.File.Host].DeleteAsync(pending.File.Path, ct).ConfigureAwait(false);
        // Its request is answered. Only the request for this very key: a newer one (a key made since) stays.
        if (PendingFiles.Request(desired, step.Address) is { } request && File.Exists(request)
            && CertificateRequests.PublicKeySha256(await File.ReadAllBytesAsync(request, ct).ConfigureAwait(false)) == pending.PublicKeySha256)
            File.Delete(request);
    }

    private async Task RenewalJobAsync(PlanStep step, HostSet hosts, bool enable, CancellationToken ct)
    {
        var spec = desired.Server.Database ?? throw new StepFailedException($"{step.Address} needs server.database to reach the PEM database");
        try
        {
            // As the executor's other connections: the CAs on the server now, and those observed before the apply.
            var trust = await DatabaseObserver.TrustAsync(desired, hosts[desired.Server.Host], DatabaseObserver.CasOf(observed.Server), ct).ConfigureAwait(false);
            await using var database = await PemDatabase.OpenAsync(spec, trust, ct).ConfigureAwait(false);
            if (enable) await database.EnableRenewalJobAsync(ct).ConfigureAwait(false);
            else await database.DisableRenewalJobAsync(ct).ConfigureAwait(false);
        }
        catch (PemDatabaseException e)
        {
            throw new StepFailedException($"{step.Address} needs the PEM database, and {e.Message}", e);
        }
    }

    private async Task EditSettingsAsync(EditSettingsStep step, IHost host, CancellationToken ct)
    {
        var path = step.Path;
        var file = await host.ReadAsync(path, ct).ConfigureAwait(false);
        var text = file.Exists ? Encoding.UTF8.GetString(file.Content) : "";
        var set = step.Settings.Where(s => !s.CommentOut).Select(s => KeyValuePair.Create(s.Name, s.After)).ToList();
        var edited = PostgresqlConf.CommentOut(
            PostgresqlConf.Edit(text, set, new HashSet<string>(Planner.QuotedSettings, StringComparer.OrdinalIgnoreCase)),
            step.Settings.Where(s => s.CommentOut).Select(s => s.Name));
        var mode = file.Exists ? FileModes.Permissions(file.Mode) : FileModes.Private;
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(path, Encoding.UTF8.GetBytes(edited), mode, file.Exists ? file.Owner : desired.Server.Owner, ct).ConfigureAwait(false);
    }

    /// <summary>Before the first restart of the apply: observe the files as they are now and refuse on anything that would break logins.</summary>
    private async Task PreflightAsync(PlanStep step, HostSet hosts, CancellationToken ct)
    {
        var now = await new Observer(hosts).ObserveAsync(desired, ct).ConfigureAwait(false);
        var problems = TrustedPreflight.Problems(desired, now, clock.GetUtcNow());
        if (problems.Count > 0)
            throw new StepFailedException($"preflight refused {step.Address}; the server was not restarted:\n  - {string.Join("\n  - ", problems)}");
    }

    private async Task PreflightAgentAsync(PlanStep step, int id, IHost host, CancellationToken ct)
    {
        if (desired.Agents.List.FirstOrDefault(a => a.Id == id) is not { } agent) return;
        var key = await host.ReadAsync(PemFiles.AgentKey(desired.Agents, agent), ct).ConfigureAwait(false);
        var cert = await host.ReadAsync(PemFiles.AgentCertificate(desired.Agents, agent), ct).ConfigureAwait(false);
        var certificate = cert.Exists ? PemCodec.DecodeCertificates(cert.Content).FirstOrDefault() : null;
        var problems = TrustedPreflight.AgentProblems(desired, agent,
            ObservedKey.Read(key),
            new ObservedCertificate(FileFacts.From(cert), certificate, certificate is null ? null : CertificateSummary.From(certificate)),
            clock.GetUtcNow());
        if (problems.Count > 0)
            throw new StepFailedException($"preflight refused {step.Address}; the agent was not restarted:\n  - {string.Join("\n  - ", problems)}");
    }

    private static async Task WritePrivateAsync(IHost host, string path, string pem, string? owner, CancellationToken ct)
    {
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(path, Encoding.ASCII.GetBytes(pem), FileModes.Private, owner, ct).ConfigureAwait(false);
    }
}
