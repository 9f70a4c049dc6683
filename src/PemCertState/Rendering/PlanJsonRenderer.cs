using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Rendering;

/// <summary>The plan as JSON matching schemas/plan.schema.json. Fingerprints and summaries only, never key bytes.</summary>
public static class PlanJsonRenderer
{
    public const string FormatVersion = "1";

    /// <param name="saved">For `plan --out`: what the plan depends on, so that apply can refuse a stale plan.</param>
    public static string Render(Plan plan, SavedPlanContext? saved = null)
    {
        var steps = new JsonArray();
        foreach (var step in plan.Steps) steps.Add((JsonNode)Step(step));
        var summary = new JsonObject
        {
            ["steps"] = plan.Steps.Count,
            ["resources"] = plan.Resources.Count,
        };
        var byAction = new JsonObject();
        foreach (var group in plan.Steps.GroupBy(s => s.Action).OrderBy(g => g.Key)) byAction[group.Key.WireName()] = group.Count();
        summary["by_action"] = byAction;
        var root = new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["changes"] = !plan.IsEmpty,
            ["summary"] = summary,
            ["steps"] = steps,
        };
        if (plan.Warnings.Count > 0) root["warnings"] = new JsonArray(plan.Warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        if (plan.Refusals.Count > 0) root["refusals"] = new JsonArray(plan.Refusals.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
        if (plan.Notes.Count > 0) root["notes"] = new JsonArray(plan.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        if (saved is not null)
        {
            root["inventory"] = saved.InventoryPath;
            root["inventory_sha256"] = saved.InventorySha256;
            var observed = new JsonObject();
            foreach (var (key, value) in saved.Observed) observed[key] = value;
            root["observed"] = observed;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>snake_case of the config format: "postgresql_conf", "apache_conf".</summary>
    public static string FormatName(ConfigFormat format) => JsonNamingPolicy.SnakeCaseLower.ConvertName(format.ToString());


    /// <summary>One step as the JSON plan writes it; also what a saved plan's steps are compared with.</summary>
    internal static JsonObject Step(PlanStep step)
    {
        var json = new JsonObject
        {
            ["address"] = step.Address.ToString(),
            ["host"] = step.Host,
            ["action"] = step.Action.WireName(),
            ["reason"] = step.Reason,
            ["paths"] = new JsonArray(step.Paths.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
        };
        var members = step.Members;
        if (members.Before is { } before) json["before"] = Summary(before);
        if (members.Key is { } key) json["key"] = key.ToString();
        if (members.Issue is { } issue)
            json["issue"] = new JsonObject
            {
                ["subject"] = issue.Subject,
                ["issuer"] = issue.Issuer,
                ["validity_days"] = (int)issue.Validity.TotalDays,
                ["usage"] = issue.Usage switch { null => "ca", LeafUsage.Server => "server", LeafUsage.Client => "client", _ => "server,client" },
            };
        if (members.Issue is { SubjectAltNames.Count: > 0 } named)
            json["issue"]!["subject_alt_names"] = new JsonArray(named.SubjectAltNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        if (members.Source is { } source) json["source"] = source;
        if (members.Owner is { } owner) json["owner"] = owner;
        if (members.Mode is { } mode) json["mode"] = FileModes.Format(mode);
        if (members.Settings is { } settings)
            json["settings"] = new JsonArray(settings.Select(s => (JsonNode?)Setting(s)).ToArray());
        if (members.Command is { } command) json["command"] = command;
        if (members.BackupDir is { } backupDir) json["backup_dir"] = backupDir;
        if (members.Format is { } format) json["format"] = FormatName(format);
        if (members.Sha256 is { } sha256) json["sha256"] = sha256;
        if (members.Bundle is { } bundle) json["bundle"] = new JsonArray(bundle.Select(b => (JsonNode?)JsonValue.Create(b)).ToArray());
        if (members.Revoke is { } revoke)
            json["revoke"] = new JsonArray(revoke.Select(r => (JsonNode?)new JsonObject
            {
                ["agent"] = r.Agent,
                ["serials"] = new JsonArray(r.Serials.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                ["revoke"] = r.Revoke,
                ["reason"] = r.Reason,
            }).ToArray());
        return json;
    }

    private static JsonObject Setting(SettingChange s)
    {
        var json = new JsonObject { ["name"] = s.Name, ["before"] = s.Before, ["after"] = s.After };
        if (s.CommentOut) json["comment_out"] = true;
        return json;
    }

    private static JsonObject Summary(CertificateSummary s) => new()
    {
        ["subject"] = s.Subject,
        ["issuer"] = s.Issuer,
        ["serial"] = s.Serial,
        ["not_before"] = s.NotBefore.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["not_after"] = s.NotAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["sha256"] = s.Sha256,
        ["key"] = s.Key,
    };
}
