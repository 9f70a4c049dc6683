using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using static PemCertState.Planning.Planner;

namespace PemCertState.Planning;

/// <summary>
/// ca.source: self-signed. PEM's own CA, kept by pemstate, signs every certificate in process during the apply: a pair
/// that is not right gets a new key and a certificate issued on the spot. The CA itself is planned first (made, kept or
/// rotated with overlapping trust), root.crt holds it and root.crl is its CRL, with the revocations of agents that left.
/// </summary>
internal sealed partial class SelfSignedIssuer(DesiredState desired, ObservedState observed, DateTimeOffset now, PlanOptions options) : IIssuer
{
    private CaView _ca = null!;
    /// <summary>During a rotation: the other CAs root.crt keeps trusting while agents switch (the old one).</summary>
    private IReadOnlyList<X509Certificate>? _others;
    private List<Leaving> _leaving = [];
    private List<Abandoned> _abandoned = [];
    private List<Retirement> _abandonedRevocations = [];
    private CommonPair? _common;

    public bool Rotating => _others is not null;

    public IReadOnlyList<Abandoned> Abandoned => _abandoned;

    public bool Obtain(IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
    {
        _ca = PlanCa(steps);
        // A CA rotation keeps the old CA trusted (phase 1) until every certificate it signed is replaced (phase 2),
        // and only then leaves it out of root.crt (phase 3). `_others` is what root.crt holds beside it while agents switch.
        _others = Transition(_ca, observed.Server.Root);
        _leaving = FindLeaving(desired, observed, _ca, Rotating, warnings);
        WarnAboutUntracked(desired, observed, _ca, now, warnings);
        _abandoned = FindAbandonedPairs(desired, observed, warnings);
        _abandonedRevocations = RevokeAbandoned(desired, observed, _abandoned, _ca, Rotating, pending, now, warnings);
        return true;
    }

    public bool PlanTrust(List<PlanStep> steps)
    {
        var changed = _ca.Replaced;
        if (_others is null)
        {
            changed |= PlanRootBundle(steps);
            changed |= PlanRootCrl(steps, [.. _leaving.Select(l => l.Retirement), .. _abandonedRevocations]);
        }
        else
        {
            changed |= PlanTransitionalTrust(_others, steps);
        }
        return changed;
    }

    /// <summary>Signed by the managed CA (the one in ca_certificate.crt, not revoked), for its usage, and with exactly the names the inventory gives.</summary>
    public string? Fault(PairResource pair)
    {
        var problems = LeafProblems(pair.Key, pair.Certificate, pair.Request.Subject, pair.Request.Usage!.Value, pair.Policy, pair.Address);
        if (problems.Count == 0 && pair.Names is { } want && pair.Certificate.Certificate is { } certificate)
        {
            var have = SubjectAltNames.Of(certificate);
            if (!have.Order(StringComparer.Ordinal).SequenceEqual(want.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                problems.Add(have.Count == 0
                    ? $"it has no subjectAltName, want {string.Join(", ", want)} (browsers ignore the CN)"
                    : $"its names are {string.Join(", ", have)}, want {string.Join(", ", want)}");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>A new key, a certificate the managed CA signs in process (ending no later than the CA), and both installed.</summary>
    public void PlanNewPair(PairResource pair, string reason, List<PlanStep> steps)
    {
        var (request, note) = ClampToCa(pair.Request, _ca, now);
        steps.Add(new GenerateKeyStep(pair.Address, pair.Host, reason, pair.Policy.Key));
        steps.Add(new IssueStep(pair.Address, pair.Host, note is null ? reason : $"{reason}; {note}", request, Before: pair.Certificate.Summary));
        steps.Add(new InstallStep(pair.Address, pair.Host, reason, pair.KeyPath, pair.CertificatePath, pair.Address, Owner: pair.Owner));
    }

    public bool PlanServerSettings(List<PlanStep> steps, List<string> warnings) =>
        ServerSettings.Plan(desired.Server, observed, crl: true, edit: true, steps, warnings);

    public bool IssuesWeb(WebSpec web) => web.Issuer == WebIssuer.Managed;

    /// <summary>web.chain_file holds exactly the CA certificate (the managed CA has no intermediates).</summary>
    public WebChain WebChain(WebSpec web, ObservedWeb seen, List<string> warnings) =>
        new(_ca.Replaced ? [] : [_ca.Kept ?? throw new InvalidOperationException("a CA that is kept has a certificate")],
            $"exactly the CA certificate {_ca.Subject}", RootTrust.ManagedCa, null, _ca.Replaced ? _ca.Change : null);

    public void BeforeAgents(List<PlanStep> steps, List<string> warnings)
    {
        _common = desired.Agents.User == AgentUserMode.Common ? PlanCommonPair(steps) : null;
        if (options.RotateCommon)
            warnings.Add(_common is null
                ? "--rotate-common does nothing here: agents.user is per-agent, every agent has its own certificate"
                : $"--rotate-common: a new {desired.Agents.CommonUser} certificate is installed on every agent ({desired.Agents.List.Count}) and every agent restarts: every agent reconnects to the PEM server");
    }

    public CommonPair CommonPair => _common ?? throw new InvalidOperationException("agents.user is per-agent: there is no common pair");

    /// <summary>The key made and signed once, in <see cref="BeforeAgents"/>, installed on this agent.</summary>
    public void PlanCommonInstall(AgentSpec agent, ObservedAgent seen, List<PlanStep> steps) =>
        steps.Add(new InstallStep(Addresses.AgentCertificate(agent.Id), agent.Host, CommonPair.NewReason!,
            PemFiles.AgentKey(desired.Agents, agent), PemFiles.AgentCertificate(desired.Agents, agent), Addresses.CommonAgentCertificate,
            Owner: agent.Owner, Before: seen.Certificate.Summary));

    public void AfterAgents(List<PlanStep> steps, List<string> warnings)
    {
        PlanRetiredFiles(_leaving, steps);
        WarnAboutLeavesEndingWithCa(desired.Ca, _ca, warnings);
    }

    /// <summary>Phase 3: no managed certificate is issued by the old CA any more, so it leaves root.crt and root.crl.</summary>
    public void PlanFinalTrust(List<PlanStep> steps)
    {
        var server = desired.Server;
        var seen = observed.Server;
        RootTrust.PlanFinalBundle(server, seen, DistinguishedNames.Subjects(_others!), RootTrust.ManagedCa, steps);
        steps.Add(new WriteCrlStep(Addresses.RootCrl, server.Host, $"CA rotation, phase 3: only {_ca.Subject}'s CRL stays in root.crl",
            seen.Crl.File.Path, RootTrust.ManagedCa, Owner: server.Owner));
    }

    public void PlanCleanup(List<PlanStep> steps) => PlanLeftovers(desired, observed, steps);

    public string LoadReason(string verb) =>
        $"PostgreSQL loads the new SSL files on {verb}; last, after every agent holds a certificate the new files accept";

    public void PlanRecords(List<PlanStep> steps) => PlanLedger(desired, observed, _leaving, _common?.Source, steps);

    private CaView PlanCa(List<PlanStep> steps)
    {
        var want = desired.Ca;
        var seen = observed.Server;
        var problems = new List<string>();
        var key = seen.CaKey;
        var cert = seen.CaCertificate;
        CollectPairProblems(key, cert, want.Policy, want.Subject, now, problems);
        if (problems.Count == 0 && cert.Certificate is { } c)
        {
            if (!IsCa(c)) problems.Add($"{Name(cert.File)} is not a CA certificate (no CA:TRUE)");
            else if (!observed.Signatures.Signs(c, c)) problems.Add($"{Name(cert.File)} is not self-signed");
        }
        if (problems.Count == 0 && options.RotateCa) problems.Add("--rotate-ca asks for a new CA");

        var server = desired.Server;
        if (problems.Count == 0)
        {
            PlanModeAndOwner(Addresses.Ca, server.Owner, [key.File, cert.File], steps);
            return new CaView(false, cert.Certificate, want.Subject) { Crls = seen.Crl.All, NotAfter = cert.Summary!.NotAfter };
        }

        // An old CA that is still a working, unexpired CA is rotated with overlapping trust; anything else is replaced outright.
        var previous = Rotatable(key, cert) ? cert.Certificate : null;
        var reason = string.Join("; ", problems) + (previous is null ? "" :
            "; rotating with overlapping trust: the old CA stays in root.crt until every certificate it signed is replaced");
        AddBackup(Addresses.Ca, server.Host, server.BackupDir, [key.File, cert.File], reason, steps);
        steps.Add(new GenerateKeyStep(Addresses.Ca, server.Host, reason, want.Policy.Key));
        steps.Add(new IssueStep(Addresses.Ca, server.Host, reason, new IssueRequest(want.Subject, want.Subject, null, want.Policy.Validity), Before: cert.Summary));
        steps.Add(new InstallStep(Addresses.Ca, server.Host, reason, key.File.Path, cert.File.Path, Addresses.Ca, Owner: server.Owner));
        return new CaView(true, null, want.Subject, New: !cert.File.Exists && !key.File.Exists, Previous: previous) { NotAfter = now + want.Policy.Validity };
    }

    private bool Rotatable(ObservedKey key, ObservedCertificate cert) =>
        new PairAssessment(key, cert) is { Complete: true, Mismatched: false } && cert.Certificate is { } c && cert.Summary is { } s
        && IsCa(c) && observed.Signatures.Signs(c, c) && s.NotAfter > now && s.NotBefore <= now;

    /// <summary>
    /// The other CAs root.crt must keep trusting while agents switch, or null when no rotation is under way:
    /// the CA being replaced in this plan (phase 1), or, found on disk after an interrupted or earlier
    /// rotation, every other valid CA in root.crt beside the current one (phase 2 or 3).
    /// </summary>
    private static IReadOnlyList<X509Certificate>? Transition(CaView ca, ObservedBundle root)
    {
        if (ca.Replaced) return ca.Previous is { } previous ? [previous] : null;
        if (ca.Kept is null || !root.Certificates.Any(c => c.Equals(ca.Kept))) return null;
        var others = root.Certificates.Where(c => !c.Equals(ca.Kept) && IsCa(c)).ToList();
        return others.Count > 0 ? others : null;
    }

    /// <summary>Phase 1: root.crt and root.crl hold the old CA(s) and the new one, so both are trusted while agents switch.</summary>
    private bool PlanTransitionalTrust(IReadOnlyList<X509Certificate> others, List<PlanStep> steps)
    {
        var server = desired.Server;
        var seen = observed.Server;
        var bundle = others.Select(c => CertificateSummary.From(c).Sha256).Append("ca").ToList();
        var names = DistinguishedNames.Subjects(others);
        var changed = RootTrust.PlanBundle(server, seen.Root,
            _ca.Replaced ? $"CA rotation, phase 1: root.crt trusts the old CA ({names}) and the new one while certificates move to the new CA" : null,
            RootTrust.ManagedCa, steps, bundle);

        var current = seen.Crl.All.FirstOrDefault(c => _ca.Kept is not null && CrlVerifies(c, _ca.Kept));
        var crlMissing = _ca.Replaced || current is null || others.Any(o => !seen.Crl.All.Any(c => CrlVerifies(c, o)))
            || current.NextUpdate is not { } next || new DateTimeOffset(next, TimeSpan.Zero) - now <= desired.Ca.Policy.RenewBefore;
        changed |= RootTrust.PlanCrl(server, seen.Crl,
            crlMissing ? $"CA rotation: root.crl needs a current CRL from each CA in root.crt ({names} and {_ca.Subject}); a CA without its CRL fails every login it signs" : null,
            RootTrust.ManagedCa, steps, bundle);
        return changed;
    }

    private bool PlanRootBundle(List<PlanStep> steps)
    {
        var root = observed.Server.Root;
        string? reason = null;
        if (_ca.Replaced) reason = $"{_ca.Change}; root.crt must hold the new CA certificate";
        else if (!root.File.Exists) reason = "root.crt is missing";
        else if (root.Certificates.Count == 0) reason = "root.crt holds no readable certificate";
        else if (root.Certificates.Count != 1 || !root.Certificates[0].Equals(_ca.Kept))
        {
            var held = DistinguishedNames.Subjects(root.Certificates);
            reason = root.Certificates.Count == 1 && DistinguishedNames.Format(root.Certificates[0].SubjectDN) == _ca.Subject
                ? $"root.crt holds another certificate named {held} (serial {Crypto.Serials.Text(root.Certificates[0].SerialNumber)}), not ca_certificate.crt"
                : $"root.crt holds {held}, want exactly {_ca.Subject}";
        }
        return RootTrust.PlanBundle(desired.Server, root, reason, RootTrust.ManagedCa, steps);
    }

    /// <param name="retirements">Agents leaving (agents.revoke_removed) and certificates a change of agents.user left unused.</param>
    private bool PlanRootCrl(List<PlanStep> steps, IReadOnlyList<Retirement> retirements)
    {
        var crl = observed.Server.Crl;
        var renewBefore = desired.Ca.Policy.RenewBefore;
        string? reason = null;
        if (_ca.Replaced) reason = $"{_ca.Change}; root.crl must be signed by the new CA";
        else if (!crl.File.Exists) reason = "root.crl is missing";
        else if (crl.Crl is null) reason = "root.crl is not a readable CRL";
        else if (DistinguishedNames.Format(crl.Crl.IssuerDN) != _ca.Subject || !CrlVerifies(crl.Crl, _ca.Kept!))
            reason = $"root.crl is issued by {DistinguishedNames.Format(crl.Crl.IssuerDN)}, not by the CA in ca_certificate.crt (a foreign CRL makes every agent login fail with 'unknown ca')";
        else if (crl.Crl.NextUpdate is not { } next)
            reason = "root.crl has no nextUpdate";
        else if (new DateTimeOffset(next, TimeSpan.Zero) - now <= renewBefore)
            reason = Window("root.crl's nextUpdate", new DateTimeOffset(next, TimeSpan.Zero), renewBefore, now);

        // Revocations go in before any agent step removes files, and the server restart that loads them comes last.
        var revoke = retirements.Where(r => r.Revoke).ToList();
        var missing = MissingFromCrl(retirements, crl);
        if (missing.Count > 0)
        {
            var revoked = string.Join("; ", missing.Select(r => r.Reason));
            reason = reason is null ? revoked : $"{reason}; {revoked}";
        }
        return RootTrust.PlanCrl(desired.Server, crl, reason, RootTrust.ManagedCa, steps, revoke: revoke.Count > 0 ? revoke : null);
    }

    /// <summary>The one pair every agent shares: an agent's valid copy, or a new one. Returns the address to install from.</summary>
    private CommonPair PlanCommonPair(List<PlanStep> steps)
    {
        var agents = desired.Agents;
        var rotate = options.RotateCommon;
        var policy = agents.List.Count > 0 ? agents.List[0].Policy : desired.Server.Policy;
        var subject = $"{agents.SubjectPrefix}/CN={agents.CommonUser}";
        foreach (var agent in rotate ? [] : agents.List)
        {
            var seen = observed.Agents[agent.Id];
            if (LeafProblems(seen.Key, seen.Certificate, subject, LeafUsage.Client, agent.Policy, Addresses.CommonAgentCertificate).Count == 0)
                return CommonPair.HeldBy(Addresses.AgentCertificate(agent.Id), seen.Certificate.Summary!.Sha256);
        }

        var reason = rotate ? "--rotate-common asks for a new common-user certificate; every agent gets it and restarts"
            : agents.List.Count == 0 ? "no agent holds it" :
            "no agent holds a valid common pair: " + string.Join("; ", LeafProblems(
                observed.Agents[agents.List[0].Id].Key, observed.Agents[agents.List[0].Id].Certificate, subject, LeafUsage.Client, policy));
        var host = desired.Server.Host;
        steps.Add(new GenerateKeyStep(Addresses.CommonAgentCertificate, host, reason, policy.Key));
        var (request, note) = ClampToCa(new IssueRequest(subject, desired.Ca.Subject, LeafUsage.Client, policy.Validity), _ca, now);
        steps.Add(new IssueStep(Addresses.CommonAgentCertificate, host, note is null ? reason : $"{reason}; {note}", request));
        return CommonPair.New("a new common pair is issued");
    }

    /// <param name="address">The resource, named in the one warning when the leaf ends with the CA inside its window.</param>
    private List<string> LeafProblems(ObservedKey key, ObservedCertificate cert, string subject, LeafUsage usage, CertificatePolicy policy, ResourceAddress? address = null)
    {
        var problems = new List<string>();
        var endsWithCa = CollectPairProblems(key, cert, policy, subject, now, problems, _ca.Replaced ? null : _ca.NotAfter);
        if (problems.Count > 0) return problems;
        if (endsWithCa && address is { } named) _ca.EndsWithCa.Add(named.ToString());
        var c = cert.Certificate!;
        if (_ca.Replaced) problems.Add(_ca.Change);
        else if (DistinguishedNames.Format(c.IssuerDN) != _ca.Subject) problems.Add($"issuer is {DistinguishedNames.Format(c.IssuerDN)}, want {_ca.Subject}");
        else if (_ca.Kept is null || !observed.Signatures.Signs(_ca.Kept, c)) problems.Add($"signed by another CA named {_ca.Subject}, not the one in ca_certificate.crt");
        else if (new PairAssessment(key, cert).RevokedOn(_ca.Crls, [_ca.Kept]) is { } revoked)
            problems.Add($"the CA revoked it on {Day(revoked)} (serial {Crypto.Serials.Text(c.SerialNumber)} is in root.crl): the server refuses it");
        else if (CertificateAssessment.UsageProblem(c, usage) is { } wrongUse)
            problems.Add(wrongUse);
        return problems;
    }

    /// <summary>Self-signed: every pending key and request a trusted CA left is removed; nothing will ever sign them.</summary>
    private static void PlanLeftovers(DesiredState desired, ObservedState observed, List<PlanStep> steps)
    {
        if (observed.Trusted is not { } seen) return;
        var addresses = seen.PendingKeys.Keys.Union(seen.RequestKeys.Keys).OrderBy(a => a.ToString(), StringComparer.Ordinal);
        foreach (var address in addresses)
            RemovePending(address, desired.Server.Host, seen.PendingKeys.GetValueOrDefault(address),
                seen.RequestKeys.ContainsKey(address) ? PendingFiles.Request(desired, address) : null,
                "ca.source is self-signed: nothing will sign this request, and a private key nobody uses is one more place for it to leak from",
                steps);
    }
}
