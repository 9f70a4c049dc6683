using System.Globalization;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
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
        IIssuer issuer = desired.Ca.Source == CaSource.Trusted
            ? new TrustedIssuer(desired, observed, now)
            : new SelfSignedIssuer(desired, observed, now, options ?? new PlanOptions());
        var plan = StateMigration.Judge(desired, observed, LeftoverCleanup.Judge(desired, observed, FolderSafety.Judge(desired, observed,
            ServerLoad.JudgeReloadPrivilege(desired.Server, observed, Reconcile(desired, observed, issuer)))));
        // A lock no step can clear: while it is there, apply refuses this plan, and the person should know why first.
        return observed.StateFolder is { Locks.Count: > 0 } state ? plan with { Warnings = [.. plan.Warnings, .. state.Locks.Select(l => l.Summary)] } : plan;
    }

    /// <summary>
    /// Every resource in its place, whichever CA issues: the issuer's own state; root.crt and root.crl (or rotation phase 1);
    /// the server's pair and settings; database roles; the web server; each agent's lane (pair, agent.cfg, restart, files
    /// it no longer uses); rotation phase 2's load and phase 3; what is left over; the server's load last. The
    /// <paramref name="issuer"/> answers only how each certificate is obtained and what the CA's trust needs.
    /// </summary>
    private static Plan Reconcile(DesiredState desired, ObservedState observed, IIssuer issuer)
    {
        var steps = new List<PlanStep>();
        var warnings = new List<string>();
        var server = desired.Server;
        var pending = OwedRestarts.Of(desired, observed);
        DatabasePlanner.WarnAboutUnverifiedLogin(desired, warnings);
        if (!issuer.Obtain(pending, steps, warnings)) return new Plan(steps, Notes(observed)) { Warnings = warnings };
        // On first, off once the trust is switched, whichever issuer: see RenewalJob for why each way.
        var job = RenewalJob.Step(desired, observed);
        if (job is EnableJobStep) steps.Insert(0, job);

        var serverChanged = issuer.PlanTrust(steps);
        if (job is DisableJobStep) steps.Add(job);
        var beforeLeaves = steps.Count;
        serverChanged |= PairReconciler.Plan(PairResource.Server(desired, observed), issuer, steps);
        serverChanged |= issuer.PlanServerSettings(steps, warnings);
        DatabasePlanner.PlanRoles(desired, observed, steps, warnings);
        if (desired.Web is { } web && observed.Web is { } seenWeb && issuer.IssuesWeb(web))
            WebReconciler.Plan(desired, web, seenWeb, issuer, pending, steps, warnings);

        issuer.BeforeAgents(steps, warnings);
        var byHand = AgentReconciler.Plan(desired, observed, issuer, pending, steps, warnings);
        issuer.AfterAgents(steps, warnings);

        if (issuer.Rotating)
        {
            // Phase 2 needs the server to trust both CAs before the first new certificate reaches an agent;
            // phase 3: every managed certificate is issued by the new CA once the steps above have run.
            RootTrust.PlanLoadBeforeLeaves(server, observed, beforeLeaves, steps);
            issuer.PlanFinalTrust(steps);
            serverChanged = true;
        }
        issuer.PlanCleanup(steps);

        ServerLoad.PlanLast(server, observed, serverChanged, pending, issuer.LoadReason, steps, warnings);
        issuer.PlanRecords(steps);
        SayRestartsByHand(server, serverChanged, byHand, issuer.Rotating, warnings);
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

    /// <summary>Names of postgresql.conf settings written as quoted strings.</summary>
    public static IReadOnlySet<string> QuotedSettings { get; } = new HashSet<string>(QuotedServerSettings, StringComparer.OrdinalIgnoreCase);

    /// <summary>Presence, readability, pairing, key kind, subject and validity window: what every key/certificate pair needs.</summary>
    /// <param name="issuerEnd">When the CA that would sign a new one expires: a certificate that already ends then is not renewed for
    /// its window (a new one could not end later); the method returns true instead.</param>
    internal static bool CollectPairProblems(ObservedKey key, ObservedCertificate cert, CertificatePolicy policy, string subject, DateTimeOffset now, List<string> problems, DateTimeOffset? issuerEnd = null)
    {
        var pair = new PairAssessment(key, cert);
        if (pair.KeyFile == PairFile.Missing) problems.Add($"{Name(key.File)} is missing");
        else if (pair.KeyFile == PairFile.Unreadable) problems.Add($"{Name(key.File)} is not a readable private key");
        if (pair.CertificateFile == PairFile.Missing) problems.Add($"{Name(cert.File)} is missing");
        else if (pair.CertificateFile == PairFile.Unreadable) problems.Add($"{Name(cert.File)} is not a readable certificate");
        if (!pair.Complete) return false;

        var summary = cert.Summary!;
        var endsWithIssuer = false;
        if (pair.Mismatched) problems.Add($"{Name(key.File)} does not belong to {Name(cert.File)}");
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

    internal static void AddBackup(ResourceAddress address, string host, string backupDir, IEnumerable<FileFacts> files, string reason, List<PlanStep> steps)
    {
        var existing = files.Where(f => f.Exists).Select(f => f.Path).ToList();
        if (existing.Count > 0)
            steps.Add(new BackupStep(address, host, reason, existing, backupDir));
    }

    internal static void PlanModeAndOwner(ResourceAddress address, string? owner, IEnumerable<FileFacts> files, List<PlanStep> steps)
    {
        foreach (var file in files.Where(f => f.Exists))
        {
            if (FileModes.Permissions(file.Mode) != FileModes.Private)
                steps.Add(new SetModeStep(address, file.Host, $"{Name(file)} has mode {FileModes.Format(file.Mode)}, want 0600", file.Path, FileModes.Private));
            if (owner is not null && file.Owner != owner)
                steps.Add(new SetOwnerStep(address, file.Host, $"{Name(file)} is owned by {file.Owner}, want {owner}", file.Path, owner));
        }
    }

    internal static string Window(string what, DateTimeOffset notAfter, TimeSpan renewBefore, DateTimeOffset now) =>
        $"{what} expires on {Day(notAfter)}, in {(int)Math.Floor((notAfter - now).TotalDays)} days; renew_before is {(int)renewBefore.TotalDays} days";

    internal static string Day(DateTimeOffset when) => when.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string Name(FileFacts file) => Path.GetFileName(file.Path);

    internal static bool IsOn(string value) => value.ToLowerInvariant() is "on" or "true" or "yes" or "1";

    internal static bool SamePath(string folder, string value, string wantFile) =>
        string.Equals(Path.GetFullPath(value, folder), Path.GetFullPath(wantFile, folder), StringComparison.Ordinal);

    internal static bool IsCa(X509Certificate certificate) => certificate.GetBasicConstraints() >= 0;

    internal static bool CrlVerifies(X509Crl crl, X509Certificate issuer) => Crypto.ChainCheck.Signs(issuer, crl);
}
