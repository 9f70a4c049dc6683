using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The web server: its key and certificate (<see cref="PairReconciler"/>) and the chain file, from the issuer that web.issuer
/// names; the directives in PEM's block, then a config test and the reload. These steps come after the server's files and
/// before the agents; they never follow restart[server], which stays last.
/// </summary>
internal static class WebReconciler
{
    /// <summary>The web server's resources in order: pair, chain file, directives, then the test and reload when any changed (or one is owed).</summary>
    public static void Plan(DesiredState desired, WebSpec web, ObservedWeb seen, IIssuer issuer, IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
    {
        var changed = PairReconciler.Plan(PairResource.Web(desired, web, seen), issuer, steps);
        changed |= PlanChain(web, seen, issuer.WebChain(web, seen, warnings), steps);
        changed |= PlanSettings(web, seen, steps, warnings);
        PlanReload(web, changed, pending, steps, warnings);
    }

    /// <summary>
    /// web.chain_file, whichever CA issues: kept while it holds exactly what the issuer wants there, else backed up and
    /// written from it. Returns whether it changes.
    /// </summary>
    private static bool PlanChain(WebSpec web, ObservedWeb seen, WebChain want, List<PlanStep> steps)
    {
        if (seen.Chain is not { } chain || web.ChainFile is null) return false;
        if (want.Replaced is null && want.Certificates.Count == 0)
            throw new InvalidOperationException($"the issuer wants nothing in {web.ChainFile}: a chain file holds at least one certificate");
        var name = Planner.Name(chain.File);
        string? reason = null;
        if (want.Replaced is { } replaced) reason = $"{replaced}; {name} must hold the new CA certificate";
        else if (!chain.File.Exists) reason = $"{name} is missing";
        else if (!chain.Certificates.SequenceEqual(want.Certificates))
            reason = (chain.Certificates.Count == 0 ? $"{name} holds no readable certificate"
                : $"{name} holds {DistinguishedNames.Subjects(chain.Certificates)}") + $", want {want.What}";
        if (reason is null)
        {
            Planner.PlanModeAndOwner(Addresses.WebCertificate, web.Owner, [chain.File], steps);
            return false;
        }
        Planner.AddBackup(Addresses.WebCertificate, web.Host, web.BackupDir, [chain.File], reason, steps);
        steps.Add(new WriteBundleStep(Addresses.WebCertificate, web.Host, reason, web.ChainFile, want.Source, Owner: web.Owner, Bundle: want.Bundle));
        return true;
    }

    /// <summary>The config test, then the reload, when the web files or config changed or an interrupted apply owes the reload.</summary>
    private static void PlanReload(WebSpec web, bool changed, IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
    {
        var owed = pending.Contains(Addresses.WebRestart);
        if (!changed && !owed) return;
        var why = changed ? "the web server reads its certificate and config only when it (re)loads" : OwedRestarts.Why;
        if (web.Test is not null)
            steps.Add(new TestConfigStep(Addresses.WebRestart, web.Host, "a config that fails its test must never reach a reload; a failure stops the apply here", web.Test));
        if (web.Reload is not null)
            steps.Add(new RestartStep(Addresses.WebRestart, web.Host, why, web.Reload));
        else if (changed)
            warnings.Add("web.reload is not set, so reload the web server yourself to serve the new certificate");
    }

    private static bool PlanSettings(WebSpec web, ObservedWeb seen, List<PlanStep> steps, List<string> warnings)
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
        Planner.AddBackup(Addresses.WebSettings, web.Host, web.BackupDir, [seen.Config], reason, steps);
        steps.Add(new EditSettingsStep(Addresses.WebSettings, web.Host, reason,
            web.Config, changes, web.Server == WebServerKind.Nginx ? ConfigFormat.NginxConf : ConfigFormat.ApacheConf));
        return true;
    }

    /// <summary>The same file when both are absolute ("/a/./b" is "/a/b"); relative paths depend on ServerRoot / prefix, so only the same text counts.</summary>
    internal static bool SameWebPath(string have, string want) =>
        have == want || (Path.IsPathRooted(have) && string.Equals(Path.GetFullPath(have), Path.GetFullPath(want), StringComparison.Ordinal));
}
