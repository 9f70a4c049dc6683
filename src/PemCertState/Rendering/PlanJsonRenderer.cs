using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Planning;

namespace PemCertState.Rendering;

/// <summary>The plan as JSON matching schemas/plan.schema.json. Fingerprints and summaries only, never key bytes.</summary>
public static class PlanJsonRenderer
{
    public const string FormatVersion = "1";

    public static string Render(Plan plan)
    {
        var steps = new JsonArray();
        foreach (var step in plan.Steps) steps.Add(Step(step));
        var summary = new JsonObject
        {
            ["steps"] = plan.Steps.Count,
            ["resources"] = plan.Resources.Count,
        };
        var byAction = new JsonObject();
        foreach (var group in plan.Steps.GroupBy(s => s.Action).OrderBy(g => g.Key)) byAction[ActionName(group.Key)] = group.Count();
        summary["by_action"] = byAction;
        var root = new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["changes"] = !plan.IsEmpty,
            ["summary"] = summary,
            ["steps"] = steps,
        };
        if (plan.Warnings.Count > 0) root["warnings"] = new JsonArray(plan.Warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>snake_case of the action: "generate_key", "write_crl".</summary>
    public static string ActionName(StepAction action) => JsonNamingPolicy.SnakeCaseLower.ConvertName(action.ToString());

    private static JsonObject Step(PlanStep step)
    {
        var json = new JsonObject
        {
            ["address"] = step.Address,
            ["host"] = step.Host,
            ["action"] = ActionName(step.Action),
            ["reason"] = step.Reason,
            ["paths"] = new JsonArray(step.Paths.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
        };
        if (step.Before is { } before) json["before"] = Summary(before);
        if (step.Key is { } key) json["key"] = key.ToString();
        if (step.Issue is { } issue)
            json["issue"] = new JsonObject
            {
                ["subject"] = issue.Subject,
                ["issuer"] = issue.Issuer,
                ["validity_days"] = (int)issue.Validity.TotalDays,
                ["usage"] = issue.Usage switch { null => "ca", LeafUsage.Server => "server", LeafUsage.Client => "client", _ => "server,client" },
            };
        if (step.Source is { } source) json["source"] = source;
        if (step.Owner is { } owner) json["owner"] = owner;
        if (step.Mode is { } mode) json["mode"] = FileModes.Format(mode);
        if (step.Settings is { } settings)
            json["settings"] = new JsonArray(settings.Select(s => (JsonNode?)new JsonObject { ["name"] = s.Name, ["before"] = s.Before, ["after"] = s.After }).ToArray());
        if (step.Command is { } command) json["command"] = command;
        if (step.BackupDir is { } backupDir) json["backup_dir"] = backupDir;
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
