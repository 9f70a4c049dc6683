using PemCertState.Configuration;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The web server: its key and certificate and the chain file (from the issuer that web.issuer names), the directives in
/// PEM's block, then a config test and the reload. These steps come after the server's files and before the agents; they
/// never follow restart[server], which stays last.
/// </summary>
public static partial class Planner
{
    /// <summary>The config test, then the reload, when the web files or config changed or an interrupted apply owes the reload.</summary>
    internal static void PlanWebReload(WebSpec web, bool changed, IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
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

    /// <summary>web.chain_file: kept when <paramref name="reason"/> is null, else backed up and written from <paramref name="source"/>.</summary>
    internal static bool PlanWebChainFile(WebSpec web, ObservedBundle chain, string? reason, string source, IReadOnlyList<string>? bundle, List<PlanStep> steps)
    {
        if (reason is null)
        {
            PlanModeAndOwner(Addresses.WebCertificate, web.Owner, [chain.File], steps);
            return false;
        }
        AddBackup(Addresses.WebCertificate, web.Host, web.BackupDir, [chain.File], reason, steps);
        steps.Add(new WriteBundleStep(Addresses.WebCertificate, web.Host, reason, web.ChainFile!, source, Owner: web.Owner, Bundle: bundle));
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
        steps.Add(new EditSettingsStep(Addresses.WebSettings, web.Host, reason,
            web.Config, changes, web.Server == WebServerKind.Nginx ? ConfigFormat.NginxConf : ConfigFormat.ApacheConf));
        return true;
    }

    /// <summary>The same file when both are absolute ("/a/./b" is "/a/b"); relative paths depend on ServerRoot / prefix, so only the same text counts.</summary>
    internal static bool SameWebPath(string have, string want) =>
        have == want || (Path.IsPathRooted(have) && string.Equals(Path.GetFullPath(have), Path.GetFullPath(want), StringComparison.Ordinal));
}
