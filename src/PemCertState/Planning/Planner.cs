using System.Globalization;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// Desired state + observed state + clock -> ordered steps. Pure: no I/O, no randomness, no key
/// generation; the same inputs always give the same plan. The order is the safety contract of
/// design.md: backups before replacements, server files first, then every agent, the server restart last.
/// </summary>
public static partial class Planner
{
    /// <summary>
    /// Plans as if the held agents were left out like a skipped host's (not planned, not revoked), and says why in a
    /// warning each: nothing is known of their files, or their agent.cfg belongs to another PEM agent, so no step may act
    /// on them.
    /// </summary>
    private static Plan WithoutHeld(DesiredState desired, ObservedState observed, DateTimeOffset now, PlanOptions? options, List<(AgentSpec Agent, string Why)> held)
    {
        var ids = held.Select(h => h.Agent.Id).ToHashSet();
        var rest = desired with
        {
            Agents = desired.Agents with
            {
                List = desired.Agents.List.Where(a => !ids.Contains(a.Id)).ToList(),
                LeftOut = desired.Agents.LeftOut.Union(ids).ToHashSet(),
            },
        };
        var plan = Create(rest, observed, now, options);
        return plan with { Warnings = [.. held.Select(h => h.Why), .. plan.Warnings], UnreadableAgents = [.. ids.Order()] };
    }

    /// <summary>Why no step may act on an agent, or null: a file of its could not be read, or its agent.cfg names another agent.</summary>
    internal static string? Held(AgentSpec agent, ObservedAgent seen)
    {
        if (seen.Unreadable is { } unreadable)
            return $"{Addresses.AgentCertificate(agent.Id)} is not planned: {unreadable}; fix that file and plan again";
        if (seen.Settings.Settings.GetValueOrDefault("agent_id") is { } id
            && !(int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number == agent.Id))
            return $"{Addresses.AgentCertificate(agent.Id)} is not planned: {agent.Host}:{agent.Config} says agent_id={id}, but the inventory lists it as agent {agent.Id}; "
                + $"installing agent {agent.Id}'s certificate and user there would give that PEM agent another agent's identity. Fix agent.cfg or the inventory's id";
        return null;
    }

    private static readonly string[] QuotedServerSettings = ["ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file"];

    public static Plan Create(DesiredState desired, ObservedState observed, DateTimeOffset now, PlanOptions? options = null)
    {
        var held = desired.Agents.List.Select(a => (Agent: a, Why: observed.Agents.TryGetValue(a.Id, out var seen) ? Held(a, seen) : null))
            .Where(h => h.Why is not null).Select(h => (h.Agent, h.Why!)).ToList();
        if (held.Count > 0) return WithoutHeld(desired, observed, now, options, held);
        var plan = StateMigration.Judge(desired, observed, LeftoverCleanup.Judge(desired, observed, FolderSafety.Judge(desired, observed,
            ServerLoad.JudgeReloadPrivilege(desired.Server, observed, desired.Ca.Source == CaSource.Trusted
                ? TrustedCaPlanner.Create(desired, observed, now)
                : CreateSelfSigned(desired, observed, now, options)))));
        // A lock no step can clear: while it is there, apply refuses this plan, and the person should know why first.
        return observed.StateFolder is { Locks.Count: > 0 } state ? plan with { Warnings = [.. plan.Warnings, .. state.Locks.Select(l => l.Summary)] } : plan;
    }

    private static Plan CreateSelfSigned(DesiredState desired, ObservedState observed, DateTimeOffset now, PlanOptions? options)
    {
        var steps = new List<PlanStep>();
        var server = desired.Server;
        var pending = OwedRestarts.Of(desired, observed);
        options ??= new PlanOptions();
        PlanRenewalJob(desired, observed, steps);
        var ca = PlanCa(desired, observed.Server, now, options, steps);
        var serverChanged = ca.Replaced;

        // A CA rotation keeps the old CA trusted (phase 1) until every certificate it signed is replaced (phase 2),
        // and only then leaves it out of root.crt (phase 3). `trusted` is what root.crt holds while agents switch.
        var trusted = Transition(ca, observed.Server.Root);
        var warnings = new List<string>();
        DatabasePlanner.WarnAboutUnverifiedLogin(desired, warnings);
        var leaving = FindLeaving(desired, observed, ca, trusted is not null, warnings);
        WarnAboutUntracked(desired, observed, ca, now, warnings);
        var abandoned = FindAbandonedPairs(desired, observed, warnings);
        var abandonedRevocations = RevokeAbandoned(desired, observed, abandoned, ca, trusted is not null, pending, now, warnings);
        var byHand = new List<int>();
        if (trusted is null)
        {
            serverChanged |= PlanRootBundle(server, observed.Server.Root, ca, steps);
            serverChanged |= PlanRootCrl(desired.Ca, server, observed.Server.Crl, ca, now, steps, [.. leaving.Select(l => l.Retirement), .. abandonedRevocations]);
        }
        else
        {
            serverChanged |= PlanTransitionalTrust(desired.Ca, server, observed.Server, ca, trusted, now, steps);
        }
        var beforeLeaves = steps.Count;
        serverChanged |= PlanPair(
            Addresses.ServerCertificate, server.Host, server.BackupDir, server.Owner,
            observed.Server.Key, observed.Server.Certificate,
            new IssueRequest(server.Subject, desired.Ca.Subject, LeafUsage.Server, server.Policy.Validity),
            server.Policy, ca, now, steps);
        serverChanged |= PlanServerSettings(server, observed.Server, steps, warnings);
        warnings.AddRange(RunningFromUnreadFiles(server, observed));
        DatabasePlanner.PlanRoles(desired, observed, steps, warnings);
        PlanWeb(desired, observed, ca, pending, now, steps, warnings);

        var common = desired.Agents.User == AgentUserMode.Common ? PlanCommonPair(desired, observed, ca, now, options.RotateCommon, steps) : null;
        if (options.RotateCommon)
            warnings.Add(common is null
                ? "--rotate-common does nothing here: agents.user is per-agent, every agent has its own certificate"
                : $"--rotate-common: a new {desired.Agents.CommonUser} certificate is installed on every agent ({desired.Agents.List.Count}) and every agent restarts: every agent reconnects to the PEM server");
        // Each agent's certificate is checked against the CA below, one after another: check them on every core first.
        if (common is null && !ca.Replaced && ca.Kept is { } kept)
            Crypto.ChainCheck.Prefetch(
                desired.Agents.List.Select(a => observed.Agents[a.Id].Certificate.Certificate).OfType<X509Certificate>().ToList(), kept);
        var inUse = AgentFilesInUse(desired.Agents);
        foreach (var agent in desired.Agents.List)
        {
            var seen = observed.Agents[agent.Id];
            var changed = common is null
                ? PlanPair(
                    Addresses.AgentCertificate(agent.Id), agent.Host, PemFiles.AgentBackupDir(agent), agent.Owner,
                    seen.Key, seen.Certificate,
                    new IssueRequest(PemFiles.AgentSubject(desired.Agents, agent), desired.Ca.Subject, LeafUsage.Client, agent.Policy.Validity - desired.Agents.SpreadFor(agent.Id)),
                    agent.Policy, ca, now, steps)
                : PlanCommonInstall(desired.Agents, agent, seen, common, steps);
            changed |= PlanAgentSettings(desired.Agents, agent, seen.Settings, steps);
            var owed = pending.Contains(Addresses.AgentRestart(agent.Id));
            if ((changed || owed) && agent.Restart is not null)
                steps.Add(new PlanStep(Addresses.AgentRestart(agent.Id), agent.Host, StepAction.Restart,
                    changed ? "the agent reads its certificate and agent.cfg only when it starts" : OwedRestarts.Why, [], Command: agent.Restart));
            else if (changed) byHand.Add(agent.Id);
            PlanAbandonedFiles(desired.Agents, agent, abandoned, agent.Restart is not null || !(changed || owed), inUse, steps, warnings);
        }
        PlanRetiredFiles(leaving, steps);
        WarnAboutLeavesEndingWithCa(desired.Ca, ca, warnings);

        if (trusted is not null)
        {
            // Phase 2 needs the server to trust both CAs before the first new certificate reaches an agent.
            var leavesMove = steps.Skip(beforeLeaves).Any(s => s.Action == StepAction.Install);
            if (leavesMove && ServerLoad.Step(server, observed, _ =>
                    "CA rotation: the server must trust the old and the new CA before any certificate from the new CA is installed", bothCas: true) is { } both)
                steps.Insert(beforeLeaves, both);
            // Phase 3: every managed certificate is issued by the new CA once the steps above have run.
            PlanFinalTrust(server, observed.Server, ca, trusted, steps);
            serverChanged = true;
        }
        PlanLeftovers(desired, observed, steps);

        ServerLoad.PlanLast(server, observed, serverChanged, pending,
            verb => $"PostgreSQL loads the new SSL files on {verb}; last, after every agent holds a certificate the new files accept", steps, warnings);
        PlanLedger(desired, observed, leaving, common?.Source, steps);
        SayRestartsByHand(server, serverChanged, byHand, trusted is not null, warnings);
        return new Plan(steps, Notes(observed)) { Warnings = warnings };
    }

    /// <summary>
    /// What pemstate cannot restart because the inventory gives no command: who must restart it by hand, and when. During a
    /// CA rotation the server must trust both CAs before the first agent presents a certificate from the new one.
    /// </summary>
    internal static void SayRestartsByHand(ServerSpec server, bool serverChanged, IReadOnlyList<int> agents, bool rotation, List<string> warnings)
    {
        if (agents.Count > 0)
            warnings.Add($"no restart command for agent{(agents.Count == 1 ? "" : "s")} {string.Join(", ", agents)} (agents.defaults.restart or the agent's restart): "
                + "restart that PEM agent yourself after this apply; it reads its certificate and agent.cfg only when it starts");
        if (server.Restart is not null || server.Reload is not null || !serverChanged) return;
        warnings.Add(rotation
            ? "server.restart is not set, and this CA rotation needs PostgreSQL restarted twice: once after root.crt holds both CAs and before any "
              + "agent restarts on a certificate from the new CA (agents that reconnect earlier are refused until then), and once when this apply ends. "
              + "Set server.restart to have pemstate restart it at those points"
            : "server.restart is not set: restart PostgreSQL yourself when this apply ends (after every agent restarted); until then it runs the old SSL files");
    }

    /// <summary>The lock, in <paramref name="state"/>, of the process that wrote the unfinished journal (its id ends in that pid).</summary>
    private static ObservedLock? WriterOf(ObservedState observed, LockState state) =>
        observed.Journal is { Finished: false } journal && observed.StateFolder is { } folder
            ? folder.Locks.FirstOrDefault(l => l.State == state && journal.Apply.EndsWith($"-{l.Holder!.Pid.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal))
            : null;

    internal static IReadOnlyList<string> Notes(ObservedState observed)
    {
        if (observed.Journal is not { Finished: false } journal) return [];
        if (WriterOf(observed, LockState.Running) is not null)
        {
            var at = journal.Unfinished.Count == 0 ? "" : $", and is at step {string.Join(" and step ", journal.Unfinished)}";
            return [$"An apply is running: {journal.Apply} has completed {journal.Completed.Count} of {journal.Steps} steps so far{at}. "
                + "This plan is from what is on the hosts now, in the middle of that apply: plan again once it has finished."];
        }
        var through = journal.CompletedThrough;
        var beyond = journal.Completed.Where(n => n > through).ToList();
        var also = beyond.Count == 0 ? "" : $" and step{(beyond.Count == 1 ? "" : "s")} {string.Join(", ", beyond)}";
        var during = journal.Unfinished.Count == 0 ? "" : $", during step {string.Join(" and step ", journal.Unfinished)}";
        var why = journal.Error is { } error ? $": {error}"
            : WriterOf(observed, LockState.Elsewhere) is { } elsewhere
                ? $", or is still running: its lock is held by {elsewhere.Holder!.Account}, on another machine, whose processes pemstate cannot see from here"
                : " (the process was killed or lost its host)";
        var (run, verb, finish) = journal.RollbackOf is { } target
            ? ($"rollback to backup {target}", "rollback", " `pemstate rollback` finishes that rollback; applying this plan instead converges to the inventory.")
            : ("apply", "apply", "");
        return [$"The last {run}, {journal.Apply}, stopped after step {through}{also} of {journal.Steps}{during}{why}. "
            + $"This plan starts from what is on the hosts now and includes every restart that {verb} still owed.{finish}"];
    }

    /// <summary>The CA as the rest of the plan sees it: replaced in this apply, or the observed one kept.</summary>
    /// <param name="Previous">During a rotation: the CA being replaced, still valid and still trusted until phase 3.</param>
    /// <param name="Crls">The CRLs in root.crl: a kept CA's leaf on one of them is revoked, and is issued again.</param>
    private sealed record CaView(bool Replaced, X509Certificate? Kept, string Subject, bool New = false, X509Certificate? Previous = null)
    {
        public IReadOnlyList<Org.BouncyCastle.X509.X509Crl> Crls { get; init; } = [];

        /// <summary>When the CA that signs this plan's leaves expires: the kept one's notAfter, or a new one's (now + ca.validity).
        /// A leaf is never issued past it.</summary>
        public DateTimeOffset? NotAfter { get; init; }

        /// <summary>Leaves inside their renewal window that already end when the CA does: re-issuing them cannot make them last
        /// longer, so they are left for the CA's own renewal (one warning names them), never re-issued run after run.</summary>
        public SortedSet<string> EndsWithCa { get; } = new(StringComparer.Ordinal);

        /// <summary>Why everything the CA signs must be written again.</summary>
        public string Change => New ? "a new CA is created" : "the CA is being replaced";
    }

    private static CaView PlanCa(DesiredState desired, ObservedServer seen, DateTimeOffset now, PlanOptions options, List<PlanStep> steps)
    {
        var want = desired.Ca;
        var problems = new List<string>();
        var key = seen.CaKey;
        var cert = seen.CaCertificate;
        CollectPairProblems(key, cert, want.Policy, want.Subject, now, problems);
        if (problems.Count == 0 && cert.Certificate is { } c)
        {
            if (!IsCa(c)) problems.Add($"{Name(cert.File)} is not a CA certificate (no CA:TRUE)");
            else if (!SignatureVerifies(c, c)) problems.Add($"{Name(cert.File)} is not self-signed");
        }
        if (problems.Count == 0 && options.RotateCa) problems.Add("--rotate-ca asks for a new CA");

        var server = desired.Server;
        if (problems.Count == 0)
        {
            PlanModeAndOwner(Addresses.Ca, server.Owner, [key.File, cert.File], steps);
            return new CaView(false, cert.Certificate, want.Subject) { Crls = seen.Crl.All, NotAfter = cert.Summary!.NotAfter };
        }

        // An old CA that is still a working, unexpired CA is rotated with overlapping trust; anything else is replaced outright.
        var previous = Rotatable(key, cert, now) ? cert.Certificate : null;
        var reason = string.Join("; ", problems) + (previous is null ? "" :
            "; rotating with overlapping trust: the old CA stays in root.crt until every certificate it signed is replaced");
        AddBackup(Addresses.Ca, server.Host, server.BackupDir, [key.File, cert.File], reason, steps);
        steps.Add(new PlanStep(Addresses.Ca, server.Host, StepAction.GenerateKey, reason, [], Key: want.Policy.Key));
        steps.Add(new PlanStep(Addresses.Ca, server.Host, StepAction.Issue, reason, [], Before: cert.Summary,
            Issue: new IssueRequest(want.Subject, want.Subject, null, want.Policy.Validity)));
        steps.Add(new PlanStep(Addresses.Ca, server.Host, StepAction.Install, reason, [key.File.Path, cert.File.Path],
            Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private));
        return new CaView(true, null, want.Subject, New: !cert.File.Exists && !key.File.Exists, Previous: previous) { NotAfter = now + want.Policy.Validity };
    }

    private static bool Rotatable(ObservedKey key, ObservedCertificate cert, DateTimeOffset now) =>
        key.Readable && cert.Certificate is { } c && cert.Summary is { } s
        && key.PublicKeySha256 == s.PublicKeySha256 && IsCa(c) && SignatureVerifies(c, c)
        && s.NotAfter > now && s.NotBefore <= now;

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

    private static string Fingerprint(X509Certificate certificate) => CertificateSummary.From(certificate).Sha256;

    /// <summary>Phase 1: root.crt and root.crl hold the old CA(s) and the new one, so both are trusted while agents switch.</summary>
    private static bool PlanTransitionalTrust(CaSpec want, ServerSpec server, ObservedServer seen, CaView ca, IReadOnlyList<X509Certificate> others, DateTimeOffset now, List<PlanStep> steps)
    {
        var bundle = others.Select(Fingerprint).Append("ca").ToList();
        var changed = false;
        var names = string.Join(", ", others.Select(c => DistinguishedNames.Format(c.SubjectDN)));
        if (ca.Replaced)
        {
            var reason = $"CA rotation, phase 1: root.crt trusts the old CA ({names}) and the new one while certificates move to the new CA";
            AddBackup(Addresses.RootBundle, server.Host, server.BackupDir, [seen.Root.File], reason, steps);
            steps.Add(new PlanStep(Addresses.RootBundle, server.Host, StepAction.WriteBundle, reason, [seen.Root.File.Path],
                Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private, Bundle: bundle));
            changed = true;
        }
        else
        {
            PlanModeAndOwner(Addresses.RootBundle, server.Owner, [seen.Root.File], steps);
        }

        var current = seen.Crl.All.FirstOrDefault(c => ca.Kept is not null && CrlVerifies(c, ca.Kept));
        var crlMissing = ca.Replaced || current is null || others.Any(o => !seen.Crl.All.Any(c => CrlVerifies(c, o)))
            || current.NextUpdate is not { } next || new DateTimeOffset(next, TimeSpan.Zero) - now <= want.Policy.RenewBefore;
        if (crlMissing)
        {
            var reason = $"CA rotation: root.crl needs a current CRL from each CA in root.crt ({names} and {ca.Subject}); a CA without its CRL fails every login it signs";
            AddBackup(Addresses.RootCrl, server.Host, server.BackupDir, [seen.Crl.File], reason, steps);
            steps.Add(new PlanStep(Addresses.RootCrl, server.Host, StepAction.WriteCrl, reason, [seen.Crl.File.Path],
                Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private, Bundle: bundle));
            changed = true;
        }
        else
        {
            PlanModeAndOwner(Addresses.RootCrl, server.Owner, [seen.Crl.File], steps);
        }
        return changed;
    }

    /// <summary>Phase 3: no managed certificate is issued by the old CA any more, so it leaves root.crt and root.crl.</summary>
    private static void PlanFinalTrust(ServerSpec server, ObservedServer seen, CaView ca, IReadOnlyList<X509Certificate> others, List<PlanStep> steps)
    {
        var names = string.Join(", ", others.Select(c => DistinguishedNames.Format(c.SubjectDN)));
        var reason = $"CA rotation, phase 3: after the steps above no managed certificate is issued by {names}; it leaves root.crt";
        steps.Add(new PlanStep(Addresses.RootBundle, server.Host, StepAction.Backup, reason, [seen.Root.File.Path], BackupDir: server.BackupDir));
        steps.Add(new PlanStep(Addresses.RootBundle, server.Host, StepAction.WriteBundle, reason, [seen.Root.File.Path],
            Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private));
        steps.Add(new PlanStep(Addresses.RootCrl, server.Host, StepAction.WriteCrl, $"CA rotation, phase 3: only {ca.Subject}'s CRL stays in root.crl", [seen.Crl.File.Path],
            Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private));
    }

    private static bool PlanRootBundle(ServerSpec server, ObservedBundle root, CaView ca, List<PlanStep> steps)
    {
        string? reason = null;
        if (ca.Replaced) reason = $"{ca.Change}; root.crt must hold the new CA certificate";
        else if (!root.File.Exists) reason = "root.crt is missing";
        else if (root.Certificates.Count == 0) reason = "root.crt holds no readable certificate";
        else if (root.Certificates.Count != 1 || !root.Certificates[0].Equals(ca.Kept))
        {
            var held = string.Join(", ", root.Certificates.Select(c => DistinguishedNames.Format(c.SubjectDN)));
            reason = root.Certificates.Count == 1 && DistinguishedNames.Format(root.Certificates[0].SubjectDN) == ca.Subject
                ? $"root.crt holds another certificate named {held} (serial {root.Certificates[0].SerialNumber.ToString(16).ToUpperInvariant()}), not ca_certificate.crt"
                : $"root.crt holds {held}, want exactly {ca.Subject}";
        }

        if (reason is null)
        {
            PlanModeAndOwner(Addresses.RootBundle, server.Owner, [root.File], steps);
            return false;
        }
        AddBackup(Addresses.RootBundle, server.Host, server.BackupDir, [root.File], reason, steps);
        steps.Add(new PlanStep(Addresses.RootBundle, server.Host, StepAction.WriteBundle, reason, [root.File.Path],
            Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private));
        return true;
    }

    /// <param name="retirements">Agents leaving (agents.revoke_removed) and certificates a change of agents.user left unused.</param>
    private static bool PlanRootCrl(CaSpec want, ServerSpec server, ObservedCrl crl, CaView ca, DateTimeOffset now, List<PlanStep> steps, IReadOnlyList<Retirement> retirements)
    {
        string? reason = null;
        if (ca.Replaced) reason = $"{ca.Change}; root.crl must be signed by the new CA";
        else if (!crl.File.Exists) reason = "root.crl is missing";
        else if (crl.Crl is null) reason = "root.crl is not a readable CRL";
        else if (DistinguishedNames.Format(crl.Crl.IssuerDN) != ca.Subject || !CrlVerifies(crl.Crl, ca.Kept!))
            reason = $"root.crl is issued by {DistinguishedNames.Format(crl.Crl.IssuerDN)}, not by the CA in ca_certificate.crt (a foreign CRL makes every agent login fail with 'unknown ca')";
        else if (crl.Crl.NextUpdate is not { } next)
            reason = "root.crl has no nextUpdate";
        else if (new DateTimeOffset(next, TimeSpan.Zero) - now <= want.Policy.RenewBefore)
            reason = Window("root.crl's nextUpdate", new DateTimeOffset(next, TimeSpan.Zero), want.Policy.RenewBefore, now);

        // Revocations go in before any agent step removes files, and the server restart that loads them comes last.
        var revoke = retirements.Where(r => r.Revoke).ToList();
        var missing = MissingFromCrl(retirements, crl);
        if (missing.Count > 0)
        {
            var revoked = string.Join("; ", missing.Select(r => r.Reason));
            reason = reason is null ? revoked : $"{reason}; {revoked}";
        }
        if (reason is null)
        {
            PlanModeAndOwner(Addresses.RootCrl, server.Owner, [crl.File], steps);
            return false;
        }
        AddBackup(Addresses.RootCrl, server.Host, server.BackupDir, [crl.File], reason, steps);
        steps.Add(new PlanStep(Addresses.RootCrl, server.Host, StepAction.WriteCrl, reason, [crl.File.Path],
            Source: Addresses.Ca, Owner: server.Owner, Mode: FileModes.Private, Revoke: revoke.Count > 0 ? revoke : null));
        return true;
    }

    /// <summary>A key and certificate signed by the managed CA. Returns whether the pair is replaced.</summary>
    private static bool PlanPair(
        string address, string host, string backupDir, string? owner, ObservedKey key, ObservedCertificate cert,
        IssueRequest request, CertificatePolicy policy, CaView ca, DateTimeOffset now, List<PlanStep> steps)
    {
        var problems = LeafProblems(key, cert, request.Subject, policy, ca, now, address);
        if (problems.Count == 0)
        {
            PlanModeAndOwner(address, owner, [key.File, cert.File], steps);
            return false;
        }
        var reason = string.Join("; ", problems);
        var (clamped, note) = ClampToCa(request, ca, now);
        AddBackup(address, host, backupDir, [key.File, cert.File], reason, steps);
        steps.Add(new PlanStep(address, host, StepAction.GenerateKey, reason, [], Key: policy.Key));
        steps.Add(new PlanStep(address, host, StepAction.Issue, note is null ? reason : $"{reason}; {note}", [], Before: cert.Summary, Issue: clamped));
        steps.Add(new PlanStep(address, host, StepAction.Install, reason, [key.File.Path, cert.File.Path],
            Source: address, Owner: owner, Mode: FileModes.Private));
        return true;
    }

    /// <summary>The one pair every agent shares: an agent's valid copy, or a new one. Returns the address to install from.</summary>
    private static CommonPair PlanCommonPair(DesiredState desired, ObservedState observed, CaView ca, DateTimeOffset now, bool rotate, List<PlanStep> steps)
    {
        var agents = desired.Agents;
        var policy = agents.List.Count > 0 ? agents.List[0].Policy : desired.Server.Policy;
        var subject = $"{agents.SubjectPrefix}/CN={agents.CommonUser}";
        foreach (var agent in rotate ? [] : agents.List)
        {
            var seen = observed.Agents[agent.Id];
            if (LeafProblems(seen.Key, seen.Certificate, subject, agent.Policy, ca, now, Addresses.CommonAgentCertificate).Count == 0)
                return new CommonPair(Addresses.AgentCertificate(agent.Id), seen.Certificate.Summary!.Sha256, subject);
        }

        var reason = rotate ? "--rotate-common asks for a new common-user certificate; every agent gets it and restarts"
            : agents.List.Count == 0 ? "no agent holds it" :
            "no agent holds a valid common pair: " + string.Join("; ", LeafProblems(
                observed.Agents[agents.List[0].Id].Key, observed.Agents[agents.List[0].Id].Certificate, subject, policy, ca, now));
        var host = desired.Server.Host;
        steps.Add(new PlanStep(Addresses.CommonAgentCertificate, host, StepAction.GenerateKey, reason, [], Key: policy.Key));
        var (request, note) = ClampToCa(new IssueRequest(subject, desired.Ca.Subject, LeafUsage.Client, policy.Validity), ca, now);
        steps.Add(new PlanStep(Addresses.CommonAgentCertificate, host, StepAction.Issue, note is null ? reason : $"{reason}; {note}", [], Issue: request));
        return new CommonPair(Addresses.CommonAgentCertificate, null, subject);
    }

    /// <param name="Sha256">Fingerprint of the certificate every agent must hold; null when it is issued in this apply.</param>
    private sealed record CommonPair(string Source, string? Sha256, string Subject);

    private static bool PlanCommonInstall(AgentsSpec agents, AgentSpec agent, ObservedAgent seen, CommonPair common, List<PlanStep> steps)
    {
        var address = Addresses.AgentCertificate(agent.Id);
        string? reason = null;
        if (common.Sha256 is null) reason = "a new common pair is issued";
        else if (common.Source == address) reason = null;
        else if (!seen.Key.File.Exists || !seen.Certificate.File.Exists) reason = $"{Name(seen.Key.File.Exists ? seen.Certificate.File : seen.Key.File)} is missing";
        else if (seen.Certificate.Summary?.Sha256 != common.Sha256 || seen.Key.PublicKeySha256 != seen.Certificate.Summary?.PublicKeySha256)
            reason = $"holds a different pair than the common one in {common.Source}";

        if (reason is null)
        {
            PlanModeAndOwner(address, agent.Owner, [seen.Key.File, seen.Certificate.File], steps);
            return false;
        }
        AddBackup(address, agent.Host, PemFiles.AgentBackupDir(agent), [seen.Key.File, seen.Certificate.File], reason, steps);
        steps.Add(new PlanStep(address, agent.Host, StepAction.Install, reason,
            [PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent)],
            Before: seen.Certificate.Summary, Source: common.Source, Owner: agent.Owner, Mode: FileModes.Private));
        return true;
    }

    /// <summary>The SSL settings in postgresql.conf; one set in another file that wins over it is reported instead (Planner.ServerConfig.cs).</summary>
    private static bool PlanServerSettings(ServerSpec server, ObservedServer observed, List<PlanStep> steps, List<string> warnings)
    {
        var seen = observed.Settings;
        warnings.AddRange(observed.ConfigNotes);
        warnings.AddRange(SetElsewhere(server, observed).Select(e => e.Message));
        var changes = new List<SettingChange>();
        foreach (var (name, value, file) in WantedServerSettings)
        {
            // A value from another file: right, nothing to do; wrong, reported above (editing postgresql.conf would change nothing).
            if (observed.Sources.TryGetValue(name, out var source) && source.File != seen.File.Path) continue;
            var have = seen.Settings.GetValueOrDefault(name);
            if (!SameSetting(server, have, value, file)) changes.Add(new SettingChange(name, have, value));
        }
        if (changes.Count == 0) return false;

        var reason = seen.File.Exists
            ? string.Join("; ", changes.Select(c => c.Describe()))
            : "postgresql.conf is missing; it is created with the SSL settings";
        AddBackup(Addresses.ServerSettings, server.Host, server.BackupDir, [seen.File], reason, steps);
        steps.Add(new PlanStep(Addresses.ServerSettings, server.Host, StepAction.EditSettings, reason, [seen.File.Path],
            Settings: changes, Format: ConfigFormat.PostgresqlConf));
        return true;
    }

    /// <summary>Names of postgresql.conf settings written as quoted strings.</summary>
    public static IReadOnlySet<string> QuotedSettings { get; } = new HashSet<string>(QuotedServerSettings, StringComparer.OrdinalIgnoreCase);

    internal static bool PlanAgentSettings(AgentsSpec agents, AgentSpec agent, ObservedConfig seen, List<PlanStep> steps)
    {
        var want = new List<(string Name, string Value)>
        {
            ("agent_user", PemFiles.AgentUser(agents, agent)),
            ("agent_ssl_key", PemFiles.AgentKey(agents, agent)),
            ("agent_ssl_crt", PemFiles.AgentCertificate(agents, agent)),
        };
        if (!seen.File.Exists) want.Insert(0, ("agent_id", agent.Id.ToString(CultureInfo.InvariantCulture)));
        var configDir = Path.GetDirectoryName(agent.Config) ?? "/";
        var changes = want
            .Select(w => (w, have: seen.Settings.GetValueOrDefault(w.Name)))
            .Where(x => x.have is null || (x.have != x.w.Value && !(x.w.Name != "agent_user" && SamePath(configDir, x.have, x.w.Value))))
            .Select(x => new SettingChange(x.w.Name, x.have, x.w.Value))
            .ToList();
        if (changes.Count == 0) return false;

        var reason = seen.File.Exists
            ? string.Join("; ", changes.Select(c => c.Describe()))
            : "agent.cfg is missing; it is created with the agent's settings";
        AddBackup(Addresses.AgentSettings(agent.Id), agent.Host, PemFiles.AgentBackupDir(agent), [seen.File], reason, steps);
        steps.Add(new PlanStep(Addresses.AgentSettings(agent.Id), agent.Host, StepAction.EditSettings, reason, [seen.File.Path],
            Settings: changes, Format: ConfigFormat.AgentCfg));
        return true;
    }

    /// <param name="address">The resource, named in the one warning when the leaf ends with the CA inside its window.</param>
    private static List<string> LeafProblems(ObservedKey key, ObservedCertificate cert, string subject, CertificatePolicy policy, CaView ca, DateTimeOffset now, string? address = null)
    {
        var problems = new List<string>();
        var endsWithCa = CollectPairProblems(key, cert, policy, subject, now, problems, ca.Replaced ? null : ca.NotAfter);
        if (problems.Count > 0) return problems;
        if (endsWithCa && address is not null) ca.EndsWithCa.Add(address);
        var c = cert.Certificate!;
        if (ca.Replaced) problems.Add(ca.Change);
        else if (DistinguishedNames.Format(c.IssuerDN) != ca.Subject) problems.Add($"issuer is {DistinguishedNames.Format(c.IssuerDN)}, want {ca.Subject}");
        else if (ca.Kept is null || !SignatureVerifies(c, ca.Kept)) problems.Add($"signed by another CA named {ca.Subject}, not the one in ca_certificate.crt");
        else if (Crypto.Revocation.RevokedOn(c, ca.Crls, [ca.Kept]) is { } revoked)
            problems.Add($"the CA revoked it on {Day(revoked)} (serial {c.SerialNumber.ToString(16)} is in root.crl): the server refuses it");
        return problems;
    }

    /// <summary>Presence, readability, pairing, key kind, subject and validity window: what every key/certificate pair needs.</summary>
    /// <param name="issuerEnd">When the CA that would sign a new one expires: a certificate that already ends then is not renewed for
    /// its window (a new one could not end later); the method returns true instead.</param>
    internal static bool CollectPairProblems(ObservedKey key, ObservedCertificate cert, CertificatePolicy policy, string subject, DateTimeOffset now, List<string> problems, DateTimeOffset? issuerEnd = null)
    {
        if (!key.File.Exists) problems.Add($"{Name(key.File)} is missing");
        else if (!key.Readable) problems.Add($"{Name(key.File)} is not a readable private key");
        if (!cert.File.Exists) problems.Add($"{Name(cert.File)} is missing");
        else if (cert.Certificate is null) problems.Add($"{Name(cert.File)} is not a readable certificate");
        if (problems.Count > 0) return false;

        var summary = cert.Summary!;
        var endsWithIssuer = false;
        if (key.PublicKeySha256 != summary.PublicKeySha256) problems.Add($"{Name(key.File)} does not belong to {Name(cert.File)}");
        if (key.Kind is { } kind && kind != policy.Key) problems.Add($"key is {kind}, want {policy.Key}");
        if (summary.Subject != subject) problems.Add($"subject is {summary.Subject}, want {subject}");
        if (summary.NotAfter <= now) problems.Add($"expired on {Day(summary.NotAfter)}");
        else if (summary.NotAfter - now <= policy.RenewBefore)
        {
            // X.509 times are whole seconds: a leaf clamped to the CA ends within a second of it.
            if (issuerEnd is { } end && summary.NotAfter >= end - TimeSpan.FromSeconds(1)) endsWithIssuer = true;
            else problems.Add(Window("it", summary.NotAfter, policy.RenewBefore, now));
        }
        if (summary.NotBefore > now) problems.Add($"not valid before {Day(summary.NotBefore)}");
        return endsWithIssuer;
    }

    internal static void AddBackup(string address, string host, string backupDir, IEnumerable<FileFacts> files, string reason, List<PlanStep> steps)
    {
        var existing = files.Where(f => f.Exists).Select(f => f.Path).ToList();
        if (existing.Count > 0)
            steps.Add(new PlanStep(address, host, StepAction.Backup, reason, existing, BackupDir: backupDir));
    }

    internal static void PlanModeAndOwner(string address, string? owner, IEnumerable<FileFacts> files, List<PlanStep> steps)
    {
        foreach (var file in files.Where(f => f.Exists))
        {
            if (FileModes.Permissions(file.Mode) != FileModes.Private)
                steps.Add(new PlanStep(address, file.Host, StepAction.SetMode,
                    $"{Name(file)} has mode {FileModes.Format(file.Mode)}, want 0600", [file.Path], Mode: FileModes.Private));
            if (owner is not null && file.Owner != owner)
                steps.Add(new PlanStep(address, file.Host, StepAction.SetOwner,
                    $"{Name(file)} is owned by {file.Owner}, want {owner}", [file.Path], Owner: owner));
        }
    }

    internal static string Window(string what, DateTimeOffset notAfter, TimeSpan renewBefore, DateTimeOffset now) =>
        $"{what} expires on {Day(notAfter)}, in {(int)Math.Floor((notAfter - now).TotalDays)} days; renew_before is {(int)renewBefore.TotalDays} days";

    internal static string Day(DateTimeOffset when) => when.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string Name(FileFacts file) => Path.GetFileName(file.Path);

    internal static bool IsOn(string value) => value.ToLowerInvariant() is "on" or "true" or "yes" or "1";

    internal static bool SamePath(string folder, string value, string wantFile) =>
        string.Equals(Path.GetFullPath(value, folder), Path.GetFullPath(wantFile, folder), StringComparison.Ordinal);

    private static bool IsCa(X509Certificate certificate) => certificate.GetBasicConstraints() >= 0;

    private static bool SignatureVerifies(X509Certificate certificate, X509Certificate issuer) => Crypto.ChainCheck.Signs(issuer, certificate);

    private static bool CrlVerifies(X509Crl crl, X509Certificate issuer) => Crypto.ChainCheck.Signs(issuer, crl);
}
