using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Verification;

namespace PemCertState.Rendering;

public static class StatusRenderer
{
    public static string RenderText(IReadOnlyList<CertificateStatus> rows)
    {
        string[] header = ["RESOURCE", "SUBJECT", "ISSUER", "NOT AFTER", "DAYS", "STATE"];
        var table = rows.Select(r => new[]
        {
            r.Address.ToString(), r.Subject ?? "-", r.Issuer ?? "-",
            r.NotAfter?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-",
            r.DaysLeft?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Serial is { } serial ? $"{r.State}, serial {serial}" : r.State,
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => table.Max(row => row[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in table)
            text.Append(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i])))).Append('\n');
        return text.ToString();
    }

    private static JsonObject WithSerial(CertificateStatus row, JsonObject json)
    {
        if (row.Serial is { } serial) json["serial"] = serial;
        return json;
    }

    public static string RenderJson(IReadOnlyList<CertificateStatus> rows)
    {
        var array = new JsonArray(rows.Select(r => (JsonNode?)WithSerial(r, new JsonObject
        {
            ["address"] = r.Address.ToString(),
            ["host"] = r.Host,
            ["path"] = r.Path,
            ["subject"] = r.Subject,
            ["issuer"] = r.Issuer,
            ["not_after"] = r.NotAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["days_left"] = r.DaysLeft,
            ["state"] = r.State,
        })).ToArray());
        return new JsonObject { ["certificates"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
