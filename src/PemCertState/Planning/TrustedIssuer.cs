using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// ca.source: trusted. An external CA signs: pemstate generates a key, stores it as a pending key beside the live one and
/// writes its request; the CA's operator signs it; the signed certificate, matched by public key and checked, is installed.
/// Two phases, never mixed: while any certificate the inventory needs is not yet signed, the plan is only keys and requests
/// (apply then exits 3, no live file touched); once every one is signed, <see cref="Planner"/> installs them all in EDB's
/// order (root.crt = the trusted CA, root.crl or ssl_crl_file commented out, server pair, PEM's renewal job off, every
/// agent, the server restart last). A move from one trusted CA to another is <see cref="TrustedRotation"/>.
/// </summary>
internal sealed partial class TrustedIssuer(DesiredState desired, ObservedState observed, DateTimeOffset now) : IIssuer
{
    /// <summary>One certificate the inventory needs from the trusted CA: the pair it is for, its pending key and its request.</summary>
    private sealed record Need(PairResource Pair, string PendingKey, string Request)
    {
        public ResourceAddress Address => Pair.Address;

        /// <summary>Common mode: the host of the agent that holds the one pending key; null: the pair's own.</summary>
        public string? PendingHost { get; init; }

        /// <summary>Where the pending key is.</summary>
        public string Host => PendingHost ?? Pair.Host;

        public string Subject => Pair.Request.Subject;
        public LeafUsage Usage => Pair.Request.Usage!.Value;
        public CertificatePolicy Policy => Pair.Policy;
        public string? Owner => Pair.Owner;
        public IReadOnlyList<string>? Names => Pair.Names;
    }

    private enum State { Ok, NewKey, Waiting, Ready }

    /// <param name="Signed">Ready: the file to install. Ok in common mode: Source is the agent holding the valid pair.</param>
    /// <param name="CommonSha256">Common mode, Ok: the fingerprint of the common certificate every agent must hold.</param>
    private sealed record Verdict(Need Need, State State, string Reason, SignedFile? Signed = null, ResourceAddress? Source = null, CertificateSummary? Before = null, string? CommonSha256 = null);

    private readonly TrustedCaSpec _trusted = desired.Ca.Trusted!;
    private readonly ObservedTrusted _seen = observed.Trusted ?? new ObservedTrusted(new Dictionary<ResourceAddress, ObservedKey>(), new Dictionary<ResourceAddress, string?>(), [], null);
    private readonly List<Verdict> _verdicts = [];

    /// <summary>The same verdicts by address: a fleet's pairs each find theirs without walking the list.</summary>
    private readonly Dictionary<ResourceAddress, Verdict> _byAddress = [];
    private TrustedRotation? _rotation;
    private List<Planner.Abandoned> _abandoned = [];

    public bool Rotating => _rotation is not null;

    public IReadOnlyList<Planner.Abandoned> Abandoned => _abandoned;

    /// <summary>
    /// Every certificate judged: the live pair, else its pending key and a signed certificate for it. While any is not
    /// signed, the plan only generates keys and writes requests; nothing is installed until all are signed.
    /// </summary>
    public bool Obtain(IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
    {
        var agents = desired.Agents;
        var crls = observed.Server.Crl.All;
        _verdicts.Add(Judge(ServerNeed(), crls, warnings));
        if (agents.User == AgentUserMode.Common)
        {
            if (agents.List.Count > 0) _verdicts.Add(JudgeCommon(warnings));
        }
        else
        {
            foreach (var agent in agents.List)
            {
                _verdicts.Add(Judge(AgentNeed(agent), crls, warnings));
            }
        }
        if (WebNeed() is { } webNeed)
            _verdicts.Add(Judge(webNeed, crls, warnings));
        foreach (var verdict in _verdicts) _byAddress.Add(verdict.Need.Address, verdict);
        WarnAboutStrangers(warnings);
        CheckTrustedCa(_trusted, desired.Ca.Policy, now, warnings);

        var waiting = _verdicts.Where(v => v.State is State.NewKey or State.Waiting).ToList();
        if (waiting.Count > 0)
        {
            var ready = _verdicts.Count(v => v.State == State.Ready);
            foreach (var v in waiting) PlanRequest(v, ready, _verdicts.Count - _verdicts.Count(x => x.State == State.Ok), steps);
            return false;
        }
        // From one trusted CA to another: both trusted while the certificates move (issue 6), not EDB's switch.
        _rotation = TrustedRotation.From(observed, _trusted, now);
        return true;
    }

    public bool PlanTrust(List<PlanStep> steps)
    {
        var server = desired.Server;
        if (_rotation is not null) return _rotation.PlanOverlap(server, observed.Server, _trusted, now, steps);
        var changed = PlanRootBundle(server, observed.Server.Root, steps);
        PlanPemCaRemoval(server, observed.Server, steps);
        changed |= PlanRootCrl(server, observed.Server.Crl, steps);
        return changed;
    }

    /// <summary>
    /// Once every certificate is signed (<see cref="Obtain"/>), each pair's verdict is either good as it is, or a signed
    /// certificate waits for its pending key: that is what replaces it.
    /// </summary>
    public string? Fault(PairResource pair) => VerdictFor(pair.Address) is { State: State.Ready } ready ? ready.Reason : null;

    /// <summary>The pending key and the certificate the CA signed for it, installed (the web's with the intermediates it sends).</summary>
    public void PlanNewPair(PairResource pair, string reason, List<PlanStep> steps)
    {
        var install = InstallSigned(VerdictFor(pair.Address), pair.Host, pair.KeyPath, pair.CertificatePath, pair.Certificate.Summary, pair.Owner);
        steps.Add(pair.Address == Addresses.WebCertificate && desired.Web is { } web
            ? install with { Chain = [.. TrustedCaPlanner.AfterLeaf(web, _trusted).Select(Sha256)] }
            : install);
    }

    /// <summary>The verdict <see cref="Obtain"/> made for the certificate at <paramref name="address"/>: every pair planned has one.</summary>
    private Verdict VerdictFor(ResourceAddress address) =>
        _byAddress.GetValueOrDefault(address) ?? throw new InvalidOperationException($"the trusted issuer judged no certificate for {address}");

    /// <summary>The SSL settings (during a rotation, phase 3 sets them).</summary>
    public bool PlanServerSettings(List<PlanStep> steps, List<string> warnings) =>
        ServerSettings.Plan(desired.Server, observed, _trusted.CrlPath is not null, edit: _rotation is null, steps, warnings);

    /// <summary>A change of agents.user left the other mode's pairs: named for the CA to revoke, removed after each agent's restart.</summary>
    public void BeforeAgents(List<PlanStep> steps, List<string> warnings)
    {
        _abandoned = Planner.FindAbandonedPairs(desired, observed, warnings);
        Planner.WarnAboutTrustedAbandoned(desired.Agents, _abandoned, _trusted, observed.Signatures, now, warnings);
    }

    /// <summary>The common pair: the one the CA signed for the pending key (Ready), or the valid one an agent holds (Ok).</summary>
    public CommonPair CommonPair => _byAddress.GetValueOrDefault(Addresses.CommonAgentCertificate) switch
    {
        { State: State.Ready } ready => CommonPair.New(ready.Reason),
        { State: State.Ok, Source: { } source, CommonSha256: { } sha256 } => CommonPair.HeldBy(source, sha256),
        _ => throw new InvalidOperationException("the trusted issuer has no common pair to install: agents.user is per-agent, or a certificate is still awaited"),
    };

    /// <summary>The signed common certificate installed with the one pending key on this agent.</summary>
    public void PlanCommonInstall(AgentSpec agent, ObservedAgent seen, List<PlanStep> steps) =>
        steps.Add(InstallSigned(VerdictFor(Addresses.CommonAgentCertificate), agent.Host, PemFiles.AgentKey(desired.Agents, agent),
            PemFiles.AgentCertificate(desired.Agents, agent), seen.Certificate.Summary, agent.Owner) with { Address = Addresses.AgentCertificate(agent.Id) });

    /// <summary>
    /// Common mode: every agent's lane copies the one pending key to its live name, side by side, so the key and its request
    /// are removed once, after all of them; a lane that removed them would pull the key from under a lane yet to copy it.
    /// </summary>
    public void AfterAgents(List<PlanStep> steps, List<string> warnings)
    {
        if (_byAddress.GetValueOrDefault(Addresses.CommonAgentCertificate) is not { State: State.Ready } common) return;
        Planner.RemovePending(common.Need.Address, common.Need.Host, _seen.PendingKeys.GetValueOrDefault(common.Need.Address),
            _seen.RequestKeys.ContainsKey(common.Need.Address) ? common.Need.Request : null,
            "every agent now holds the common pair: its pending key and request are done with", steps);
    }

    public void PlanFinalTrust(List<PlanStep> steps) => _rotation!.PlanFinal(desired.Server, observed.Server, _trusted, steps);

    public void PlanCleanup(List<PlanStep> steps)
    {
        foreach (var v in _verdicts.Where(v => v.State == State.Ok))
            Planner.RemovePending(v.Need.Address, v.Need.Host, _seen.PendingKeys.GetValueOrDefault(v.Need.Address),
                _seen.RequestKeys.ContainsKey(v.Need.Address) ? v.Need.Request : null,
                "the certificate in place is good; the pending key and its request are left over (an apply stopped after installing, or the request is no longer needed)",
                steps);
    }

    public string LoadReason(string verb) =>
        $"PostgreSQL loads the new SSL files on {verb}; last, after every agent holds a certificate from the trusted CA";

    public void PlanRecords(List<PlanStep> steps)
    {
    }

    private Need ServerNeed() =>
        new(PairResource.Server(desired, observed), PendingFiles.ServerKey(desired.Server), PendingFiles.ServerRequest(_trusted));

    private Need AgentNeed(AgentSpec agent) =>
        new(PairResource.Agent(desired, agent, observed.Agents[agent.Id]), PendingFiles.AgentKey(desired.Agents, agent),
            PendingFiles.AgentRequest(_trusted, desired.Agents, agent));

    /// <summary>The live pair when it is good; else the pending key and a signed certificate for it, or what is still missing.</summary>
    private Verdict Judge(Need need, IReadOnlyList<X509Crl> crls, List<string> warnings)
    {
        var live = LiveProblems(need, need.Pair.Key, need.Pair.Certificate, crls);
        if (live.Count == 0) return new Verdict(need, State.Ok, "");
        return JudgePending(need, string.Join("; ", live), need.Pair.Certificate.Summary, warnings);
    }

    private Verdict JudgeCommon(List<string> warnings)
    {
        var agents = desired.Agents;
        var first = agents.List[0];
        var firstNeed = AgentNeed(first);
        var need = firstNeed with { Pair = firstNeed.Pair with { Address = Addresses.CommonAgentCertificate } };
        if (_seen.PendingKeys.TryGetValue(need.Address, out var pendingKey)) need = need with { PendingKey = pendingKey.File.Path, PendingHost = pendingKey.File.Host };
        foreach (var agent in agents.List)
        {
            var held = observed.Agents[agent.Id];
            if (LiveProblems(need, held.Key, held.Certificate, observed.Server.Crl.All).Count == 0)
                return new Verdict(need, State.Ok, "", Source: Addresses.AgentCertificate(agent.Id), CommonSha256: held.Certificate.Summary!.Sha256);
        }
        var firstHeld = observed.Agents[first.Id];
        var reason = "no agent holds a valid common pair: " + string.Join("; ", LiveProblems(need, firstHeld.Key, firstHeld.Certificate, observed.Server.Crl.All));
        return JudgePending(need, reason, firstHeld.Certificate.Summary, warnings);
    }

    private Verdict JudgePending(Need need, string live, CertificateSummary? before, List<string> warnings)
    {
        var pendingName = Path.GetFileName(need.PendingKey);
        if (!_seen.PendingKeys.TryGetValue(need.Address, out var pending) || !pending.Readable)
        {
            var why = pending is null ? live : $"{live}; {pendingName} is not a readable key";
            return new Verdict(need, State.NewKey, why, Before: before);
        }
        if (pending.Kind is { } kind && kind != need.Policy.Key)
            return new Verdict(need, State.NewKey, $"{live}; {pendingName} is {kind}, want {need.Policy.Key}", Before: before);

        var refused = new List<string>();
        foreach (var file in _seen.Signed.Where(f => f.Summary?.PublicKeySha256 == pending.PublicKeySha256))
        {
            var problems = SignedProblems(need, file.Leaf!, _trusted);
            if (problems.Count == 0) return new Verdict(need, State.Ready, $"{live}; {Signed(_trusted, file)} is signed for {pendingName}", file, Before: before);
            var refusal = $"{Signed(_trusted, file)} is for {pendingName} but {string.Join("; ", problems)}";
            refused.Add(refusal);
            warnings.Add($"{refusal}: it is not installed. Ask the CA to sign {Request(_trusted, need)} again.");
        }
        var waiting = refused.Count > 0
            ? $"waiting for the CA: {string.Join("; ", refused)}"
            : $"waiting for the CA to sign {Request(_trusted, need)} (no certificate in {Folder(_trusted.SignedDir)} is for {pendingName})";
        return new Verdict(need, State.Waiting, $"{live}; {waiting}", Before: before);
    }

    /// <summary>What keeps a live pair from being the one the inventory wants: pairing, subject, window, chain to the trusted CA, usage.</summary>
    private List<string> LiveProblems(Need need, ObservedKey key, ObservedCertificate cert, IReadOnlyList<X509Crl> crls)
    {
        var problems = new List<string>();
        Planner.CollectPairProblems(key, cert, need.Policy, need.Subject, now, problems);
        if (problems.Count > 0) return problems;
        var leaf = cert.Certificate!;
        if (observed.Signatures.ChainProblem(leaf, _trusted.Bundle, now) is { } chain)
            problems.Add($"{Planner.Name(cert.File)} does not chain to the trusted CA ({chain}; issuer {DistinguishedNames.Format(leaf.IssuerDN)})");
        else if (_trusted.Issuer is { } issuer && DistinguishedNames.Format(leaf.IssuerDN) != issuer)
            problems.Add($"issuer is {DistinguishedNames.Format(leaf.IssuerDN)}, want {issuer}");
        else if (new PairAssessment(key, cert).RevokedOn(crls, _trusted.Bundle) is { } revoked)
            problems.Add($"the CA revoked it on {Planner.Day(revoked)} (serial {Crypto.Serials.Text(leaf.SerialNumber)} is in root.crl): the server refuses it");
        else if (CertificateAssessment.UsageProblem(leaf, need.Usage) is { } usage)
            problems.Add(usage);
        else if (NamesProblem(leaf, need) is { } names)
            problems.Add(names);
        return problems;
    }

    /// <summary>Why a certificate the CA sent back for a pending key cannot be installed; empty when it can.</summary>
    private List<string> SignedProblems(Need need, X509Certificate leaf, TrustedCaSpec trusted)
    {
        var problems = new List<string>();
        var subject = DistinguishedNames.Format(leaf.SubjectDN);
        if (subject != need.Subject) problems.Add($"its subject is {subject}, want {need.Subject}");
        if (observed.Signatures.ChainProblem(leaf, trusted.Bundle, now) is { } chain)
            problems.Add($"it does not chain to ca.certificate ({chain}; issuer {DistinguishedNames.Format(leaf.IssuerDN)})");
        else if (trusted.Issuer is { } issuer && DistinguishedNames.Format(leaf.IssuerDN) != issuer)
            problems.Add($"its issuer is {DistinguishedNames.Format(leaf.IssuerDN)}, want {issuer} (ca.subject)");
        if (CertificateAssessment.UsageProblem(leaf, need.Usage) is { } usage) problems.Add($"its {usage}");
        if (NamesProblem(leaf, need) is { } names) problems.Add(names);
        var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        if (notBefore > now) problems.Add($"it is not valid before {Planner.Day(notBefore)}");
        if (notAfter <= now) problems.Add($"it expired on {Planner.Day(notAfter)}");
        else if (notAfter - now <= need.Policy.RenewBefore) problems.Add(Planner.Window("it", notAfter, need.Policy.RenewBefore, now));
        return problems;
    }

    /// <summary>
    /// Files in signed_dir that are for no pending key and are not installed already: named, never installed. A certificate
    /// the same CA signed for a subject that now holds a newer certificate from it (what a renewal leaves) is not worth a warning.
    /// </summary>
    private void WarnAboutStrangers(List<string> warnings)
    {
        var pendingKeys = _seen.PendingKeys.Values.Select(k => k.PublicKeySha256).Where(k => k is not null).ToHashSet(StringComparer.Ordinal);
        var held = observed.Agents.Values.Select(a => a.Certificate).Prepend(observed.Server.Certificate)
            .Concat(observed.Web is { } web ? [web.Certificate] : []).Where(c => c.Summary is not null).ToList();
        var installed = held.Select(c => c.Summary!.Sha256).ToHashSet(StringComparer.Ordinal);
        // Signatures are checked only for a file that would otherwise warn: a fleet's plan stays one check per agent.
        bool Superseded(SignedFile file, CertificateSummary summary) =>
            held.Any(c => c.Summary!.Subject == summary.Subject && c.Summary.NotBefore >= summary.NotBefore && observed.Signatures.ChainProblem(c.Certificate!, _trusted.Bundle, now) is null)
            && observed.Signatures.ChainProblem(file.Leaf!, _trusted.Bundle, now) is null;
        foreach (var file in _seen.Signed)
        {
            if (file.Summary is not { } summary)
                warnings.Add($"{Signed(_trusted, file)} holds no certificate (PEM or DER); it is ignored");
            else if (!pendingKeys.Contains(summary.PublicKeySha256) && !installed.Contains(summary.Sha256) && !Superseded(file, summary))
                warnings.Add($"{Signed(_trusted, file)} ({summary.Subject}, issuer {summary.Issuer}) is for no pending key: signed for another key, or an old request. It is not installed; remove it.");
        }
    }

    /// <summary>The trusted CA itself nearing expiry is not something pemstate can fix: say so early.</summary>
    private static void CheckTrustedCa(TrustedCaSpec trusted, CertificatePolicy policy, DateTimeOffset now, List<string> warnings)
    {
        foreach (var ca in trusted.Bundle)
        {
            var notAfter = new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (notAfter <= now) warnings.Add($"{DistinguishedNames.Format(ca.SubjectDN)} in ca.certificate expired on {Planner.Day(notAfter)}: get the CA's current certificate");
            else if (notAfter - now <= policy.RenewBefore) warnings.Add($"{DistinguishedNames.Format(ca.SubjectDN)} in ca.certificate: " + Planner.Window("it", notAfter, policy.RenewBefore, now));
        }
        foreach (var crl in trusted.Crls)
            if (crl.NextUpdate is { } next && new DateTimeOffset(next, TimeSpan.Zero) <= now)
                warnings.Add($"ca.crl: the CRL of {DistinguishedNames.Format(crl.IssuerDN)} was due for renewal on {Planner.Day(new DateTimeOffset(next, TimeSpan.Zero))}; get a fresh CRL from the CA");
    }

    private void PlanRequest(Verdict v, int ready, int needed, List<PlanStep> steps)
    {
        var need = v.Need;
        var reason = $"{v.Reason} ({ready} of {needed} signed; nothing is installed until all are)";
        if (v.State == State.NewKey)
            steps.Add(new GenerateKeyStep(need.Address, need.Host, reason, need.Policy.Key));
        steps.Add(new RequestSignatureStep(need.Address, need.Host, reason,
            need.PendingKey, need.Request, new IssueRequest(need.Subject, _trusted.Issuer ?? "the trusted CA", need.Usage, need.Policy.Validity) { SubjectAltNames = need.Names ?? [] }, Owner: need.Owner, Before: v.Before));
    }

    private bool PlanRootBundle(ServerSpec server, ObservedBundle root, List<PlanStep> steps)
    {
        string? reason = null;
        if (!root.File.Exists || !root.Certificates.SequenceEqual(_trusted.Bundle))
        {
            var held = root.Certificates.Count == 0 ? (root.File.Exists ? "no readable certificate" : "nothing (missing)")
                : DistinguishedNames.Subjects(root.Certificates);
            reason = $"root.crt holds {held}, want the trusted CA: {DistinguishedNames.Subjects(_trusted.Bundle)}";
        }
        return RootTrust.PlanBundle(server, root, reason, _trusted.CertificatePath, steps);
    }

    /// <summary>PEM's own CA has no place beside a trusted one: EDB's procedure moves ca_* into certs/; so does this.</summary>
    private static void PlanPemCaRemoval(ServerSpec server, ObservedServer seen, List<PlanStep> steps)
    {
        var files = new[] { seen.CaKey.File, seen.CaCertificate.File }.Where(f => f.Exists).ToList();
        if (files.Count == 0) return;
        const string reason = "ca.source is trusted: PEM's own CA is moved into the backup set (EDB: mv ca_* certs/), so nothing signs with it again";
        Planner.AddBackup(Addresses.Ca, server.Host, server.BackupDir, files, reason, steps);
        steps.Add(new RemoveStep(Addresses.Ca, server.Host, reason, [.. files.Select(f => f.Path)]));
    }

    /// <summary>root.crl is ca.crl; with crl: none a root.crl left behind goes into the backup set.</summary>
    private bool PlanRootCrl(ServerSpec server, ObservedCrl crl, List<PlanStep> steps)
    {
        if (_trusted.CrlPem is not { } want)
        {
            if (!crl.File.Exists) return false;
            var issuer = crl.Crl is null ? "unreadable" : $"issued by {DistinguishedNames.Format(crl.Crl.IssuerDN)}";
            var why = $"ca.crl is none: root.crl ({issuer}) is moved into the backup set; left in place and named by ssl_crl_file it would fail every agent login with 'unknown ca'";
            return RootTrust.PlanCrl(server, crl, why, null, steps);
        }
        string? reason = null;
        if (!crl.File.Exists || crl.File.Sha256 != Fingerprints.Sha256Hex(System.Text.Encoding.ASCII.GetBytes(want)))
        {
            var ours = crl.Crl is not null && _trusted.Crls.Any(c => c.IssuerDN.Equivalent(crl.Crl.IssuerDN));
            reason = !crl.File.Exists ? "root.crl is missing"
                : crl.Crl is null ? "root.crl is not a readable CRL"
                : ours ? $"root.crl is not the CRL in {Path.GetFileName(_trusted.CrlPath)} (the CA published a new one, or it was edited)"
                : $"root.crl is issued by {DistinguishedNames.Format(crl.Crl.IssuerDN)}, not by the trusted CA (a leftover CRL makes every agent login fail with 'unknown ca')";
        }
        return RootTrust.PlanCrl(server, crl, reason, _trusted.CrlPath, steps);
    }

    private static InstallSignedStep InstallSigned(Verdict verdict, string host, string keyPath, string certPath, CertificateSummary? before, string? owner) =>
        new InstallSignedStep(verdict.Need.Address, host, verdict.Reason, keyPath, certPath, verdict.Signed!.Path,
            Fingerprints.Sha256Hex(verdict.Signed.Leaf!.GetEncoded()), owner, before);

    private static string Signed(TrustedCaSpec trusted, SignedFile file) => $"{Folder(trusted.SignedDir)}/{file.Name}";

    private static string Request(TrustedCaSpec trusted, Need need) => $"{Folder(trusted.RequestsDir)}/{Path.GetFileName(need.Request)}";

    private static string Folder(string path) => Path.GetFileName(path.TrimEnd('/'));
}
