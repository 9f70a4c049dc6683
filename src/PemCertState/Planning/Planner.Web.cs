using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The web server: its key and certificate (signed by the managed CA, serverAuth, the inventory's names), the
/// chain file, the directives in PEM's block, then a config test and the reload. These steps come after the
/// server's files and before the agents; they never follow restart[server], which stays last.
/// </summary>
public static partial class Planner
{
    private static void PlanWeb(DesiredState desired, ObservedState observed, CaView ca, IReadOnlySet<string> pending, DateTimeOffset now, List<PlanStep> steps, List<string> warnings)
    {
        if (desired.Web is not { } web || observed.Web is not { } seen) return;
        // web.issuer: trusted goes through the request/signed flow (TrustedCaPlanner.Web.cs).
        if (web.Issuer != WebIssuer.Managed) return;

        var changed = PlanWebPair(web, seen, desired.Ca.Subject, ca, now, steps);
        changed |= PlanWebChain(web, seen, ca, steps);
        changed |= PlanWebSettings(web, seen, steps, warnings);

        PlanWebReload(web, changed, pending, steps, warnings);
    }

    /// <summary>The config test, then the reload, when the web files or config changed or an interrupted apply owes the reload.</summary>
    internal static void PlanWebReload(WebSpec web, bool changed, IReadOnlySet<string> pending, List<PlanStep> steps, List<string> warnings)
    {
        var owed = pending.Contains(Addresses.WebRestart);
        if (!changed && !owed) return;
        var why = changed ? "the web server reads its certificate and config only when it (re)loads" : OwedRestarts.Why;
        if (web.Test is not null)
            steps.Add(new PlanStep(Addresses.WebRestart, web.Host, StepAction.TestConfig,
                "a config that fails its test must never reach a reload; a failure stops the apply here", [], Command: web.Test));
        if (web.Reload is not null)
            steps.Add(new PlanStep(Addresses.WebRestart, web.Host, StepAction.Restart, why, [], Command: web.Reload));
        else if (changed)
            warnings.Add("web.reload is not set, so reload the web server yourself to serve the new certificate");
    }

    private static bool PlanWebPair(WebSpec web, ObservedWeb seen, string caSubject, CaView ca, DateTimeOffset now, List<PlanStep> steps)
    {
        const string address = Addresses.WebCertificate;
        var problems = LeafProblems(seen.Key, seen.Certificate, web.Subject, web.Policy, ca, now, address);
        if (problems.Count == 0 && seen.Certificate.Certificate is { } certificate)
        {
            if (!SubjectAltNames.AllowsServerAuth(certificate)) problems.Add("its extended key usage has no serverAuth, so browsers refuse it");
            var have = SubjectAltNames.Of(certificate);
            if (!have.Order(StringComparer.Ordinal).SequenceEqual(web.SubjectAltNames.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                problems.Add(have.Count == 0
                    ? $"it has no subjectAltName, want {string.Join(", ", web.SubjectAltNames)} (browsers ignore the CN)"
                    : $"its names are {string.Join(", ", have)}, want {string.Join(", ", web.SubjectAltNames)}");
        }
        if (problems.Count == 0)
        {
            PlanModeAndOwner(address, web.Owner, [seen.Key.File, seen.Certificate.File], steps);
            return false;
        }

        var reason = string.Join("; ", problems);
        AddBackup(address, web.Host, web.BackupDir, [seen.Key.File, seen.Certificate.File], reason, steps);
        steps.Add(new PlanStep(address, web.Host, StepAction.GenerateKey, reason, [], Key: web.Policy.Key));
        var (request, note) = ClampToCa(new IssueRequest(web.Subject, caSubject, LeafUsage.Server, web.Policy.Validity) { SubjectAltNames = web.SubjectAltNames }, ca, now);
        steps.Add(new PlanStep(address, web.Host, StepAction.Issue, note is null ? reason : $"{reason}; {note}", [], Before: seen.Certificate.Summary, Issue: request));
        steps.Add(new PlanStep(address, web.Host, StepAction.Install, reason, [web.KeyFile, web.CertificateFile],
            Source: address, Owner: web.Owner, Mode: FileModes.Private));
        return true;
    }

    /// <summary>web.chain_file holds exactly the CA certificate (the managed CA has no intermediates).</summary>
    private static bool PlanWebChain(WebSpec web, ObservedWeb seen, CaView ca, List<PlanStep> steps)
    {
        if (seen.Chain is not { } chain || web.ChainFile is null) return false;
        string? reason = null;
        if (ca.Replaced) reason = $"{ca.Change}; {Name(chain.File)} must hold the new CA certificate";
        else if (!chain.File.Exists) reason = $"{Name(chain.File)} is missing";
        else if (chain.Certificates.Count != 1 || !chain.Certificates[0].Equals(ca.Kept))
            reason = chain.Certificates.Count == 0
                ? $"{Name(chain.File)} holds no readable certificate"
                : $"{Name(chain.File)} holds {string.Join(", ", chain.Certificates.Select(c => DistinguishedNames.Format(c.SubjectDN)))}, want exactly the CA certificate {ca.Subject}";
        if (reason is null)
        {
            PlanModeAndOwner(Addresses.WebCertificate, web.Owner, [chain.File], steps);
            return false;
        }
        AddBackup(Addresses.WebCertificate, web.Host, web.BackupDir, [chain.File], reason, steps);
        steps.Add(new PlanStep(Addresses.WebCertificate, web.Host, StepAction.WriteBundle, reason, [web.ChainFile],
            Source: Addresses.Ca, Owner: web.Owner, Mode: FileModes.Private));
        return true;
    }

    internal static bool PlanWebSettings(WebSpec web, ObservedWeb seen, List<PlanStep> steps, List<string> warnings)
    {
        if (!seen.Config.Exists)
        {
            warnings.Add($"web.config {web.Config} does not exist on {web.Host}; pemstate edits PEM's web config in place and never creates one, so its directives were not planned");
            return false;
        }
        if (seen.Settings.Problem is { } problem)
        {
            warnings.Add($"web.config {web.Config}: {problem}; its directives were not planned");
            return false;
        }

        var want = new List<(string Name, string Value)>
        {
            (WebConfig.CertificateDirective(web.Server), web.CertificateFile),
            (WebConfig.KeyDirective(web.Server), web.KeyFile),
        };
        if (web.ChainFile is { } chainFile && WebConfig.ChainDirective(web.Server) is { } chainDirective) want.Add((chainDirective, chainFile));
        var changes = want
            .Select(w => (w, have: seen.Settings.Settings.GetValueOrDefault(w.Name)))
            .Where(x => x.have is null || !SameWebPath(x.have, x.w.Value))
            .Select(x => new SettingChange(x.w.Name, x.have, x.w.Value))
            .ToList();
        if (changes.Count == 0) return false;

        var reason = $"in {seen.Settings.Block}: " + string.Join("; ", changes.Select(c => c.Describe()));
        AddBackup(Addresses.WebSettings, web.Host, web.BackupDir, [seen.Config], reason, steps);
        steps.Add(new PlanStep(Addresses.WebSettings, web.Host, StepAction.EditSettings, reason, [web.Config],
            Settings: changes, Format: web.Server == WebServerKind.Nginx ? ConfigFormat.NginxConf : ConfigFormat.ApacheConf));
        return true;
    }

    /// <summary>The same file when both are absolute ("/a/./b" is "/a/b"); relative paths depend on ServerRoot / prefix, so only the same text counts.</summary>
    internal static bool SameWebPath(string have, string want) =>
        have == want || (Path.IsPathRooted(have) && string.Equals(Path.GetFullPath(have), Path.GetFullPath(want), StringComparison.Ordinal));
}
