using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Rendering;

/// <summary>Reads a saved plan (the JSON of <see cref="PlanJsonRenderer"/> with its saved context) back into steps.</summary>
public static class PlanJsonReader
{
    /// <exception cref="FormatException">The file is not a pemstate plan of a format this version reads.</exception>
    public static (Plan Plan, SavedPlanContext Context) Read(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new FormatException($"not a JSON plan: {e.Message}", e); }
        if (root?["format_version"]?.GetValue<string>() != PlanJsonRenderer.FormatVersion)
            throw new FormatException($"not a pemstate plan of format {PlanJsonRenderer.FormatVersion}");
        if (root["observed"] is not JsonObject observed || root["inventory_sha256"] is null)
            throw new FormatException("the plan was printed, not saved: make it with `pemstate plan --out FILE`");

        var steps = (root["steps"] as JsonArray ?? []).Select(n => Step(n!)).ToList();
        var notes = (root["notes"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToList();
        var context = new SavedPlanContext(
            root["inventory"]?.GetValue<string>() ?? "",
            root["inventory_sha256"]!.GetValue<string>(),
            observed.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal));
        var warnings = (root["warnings"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToList();
        return (new Plan(steps, notes) { Warnings = warnings }, context);
    }

    private static PlanStep Step(JsonNode n)
    {
        var action = Enum.GetValues<StepAction>().Single(a => PlanJsonRenderer.ActionName(a) == n["action"]!.GetValue<string>());
        return new PlanStep(
            n["address"]!.GetValue<string>(),
            n["host"]!.GetValue<string>(),
            action,
            n["reason"]!.GetValue<string>(),
            (n["paths"] as JsonArray ?? []).Select(p => p!.GetValue<string>()).ToList(),
            Key: n["key"] is { } key ? ParseKey(key.GetValue<string>()) : null,
            Issue: n["issue"] is JsonObject issue ? new IssueRequest(
                issue["subject"]!.GetValue<string>(),
                issue["issuer"]!.GetValue<string>(),
                issue["usage"]!.GetValue<string>() switch
                {
                    "ca" => null,
                    "server" => LeafUsage.Server,
                    "client" => LeafUsage.Client,
                    _ => LeafUsage.Server | LeafUsage.Client,
                },
                TimeSpan.FromDays(issue["validity_days"]!.GetValue<int>()))
            {
                SubjectAltNames = (issue["subject_alt_names"] as JsonArray ?? []).Select(s => s!.GetValue<string>()).ToList(),
            } : null,
            Source: n["source"]?.GetValue<string>(),
            Owner: n["owner"]?.GetValue<string>(),
            Mode: n["mode"] is { } mode ? (UnixFileMode)Convert.ToInt32(mode.GetValue<string>(), 8) : null,
            Settings: n["settings"] is JsonArray settings
                ? settings.Select(s => new SettingChange(s!["name"]!.GetValue<string>(), s["before"]?.GetValue<string>(), s["after"]!.GetValue<string>())
                    { CommentOut = s["comment_out"]?.GetValue<bool>() == true }).ToList()
                : null,
            Format: n["format"]?.GetValue<string>() is { } format ? Enum.GetValues<ConfigFormat>().Single(f => PlanJsonRenderer.FormatName(f) == format) : null,
            Command: n["command"]?.GetValue<string>(),
            BackupDir: n["backup_dir"]?.GetValue<string>(),
            Sha256: n["sha256"]?.GetValue<string>(),
            Bundle: (n["bundle"] as JsonArray)?.Select(b => b!.GetValue<string>()).ToList(),
            Revoke: (n["revoke"] as JsonArray)?.Select(r => new Retirement(
                r!["agent"]!.GetValue<int>(),
                (r["serials"] as JsonArray ?? []).Select(s => s!.GetValue<string>()).ToList(),
                r["revoke"]!.GetValue<bool>(),
                r["reason"]!.GetValue<string>())).ToList());
    }

    private static KeySpec ParseKey(string text)
    {
        var parts = text.Split(' ');
        return parts[0] == "RSA"
            ? KeySpec.Rsa(int.Parse(parts[1], CultureInfo.InvariantCulture))
            : new KeySpec(KeyAlgorithm.Ecdsa, int.Parse(parts[1].TrimStart('P', '-'), CultureInfo.InvariantCulture));
    }
}
