using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PemCertState.Benchmarks;

/// <summary>Median, min and max of a series of measurements (seconds, or MiB for memory rows).</summary>
internal sealed record Stats(double Median, double Min, double Max, int Runs)
{
    public static Stats Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no measurements", nameof(values));
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[^1], n);
    }
}

/// <summary>One line of the table and of the JSON: a figure beside the baseline measured in the same go.</summary>
internal sealed record Row(
    string Scenario,
    int? N,
    string Unit,
    double Median,
    double Min,
    double Max,
    int Runs,
    string? BaselineName,
    double? Baseline,
    double? Ratio,
    double? PeakRssMib,
    string? Note)
{
    public static Row From(string scenario, int? n, Stats s, string unit = "s", string? baselineName = null, double? baseline = null,
        double? peakRssMib = null, string? note = null) =>
        new(scenario, n, unit, s.Median, s.Min, s.Max, s.Runs, baselineName, baseline,
            baseline is > 0 ? s.Median / baseline.Value : null, peakRssMib, note);
}

internal static class Report
{
    public static string Format(double value, string unit) => unit switch
    {
        "s" when value < 0.001 => string.Create(CultureInfo.InvariantCulture, $"{value * 1e6:0} us"),
        "s" when value < 1 => string.Create(CultureInfo.InvariantCulture, $"{value * 1e3:0.0} ms"),
        "s" => string.Create(CultureInfo.InvariantCulture, $"{value:0.000} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {unit}"),
    };

    public static string Table(IReadOnlyList<Row> rows, bool markdown)
    {
        string[] head = ["scenario", "N", "median", "min", "max", "baseline", "ratio", "peak RSS"];
        var cells = rows.Select(r => new[]
        {
            r.Scenario,
            r.N?.ToString(CultureInfo.InvariantCulture) ?? "",
            Format(r.Median, r.Unit),
            Format(r.Min, r.Unit),
            Format(r.Max, r.Unit),
            r.Baseline is { } b ? $"{Format(b, r.Unit)} ({r.BaselineName})" : "",
            r.Ratio is { } q ? q.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "",
            r.PeakRssMib is { } m ? m.ToString("0", CultureInfo.InvariantCulture) + " MiB" : "",
        }).ToList();
        var widths = head.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] c)
        {
            if (markdown) text.Append("| ").Append(string.Join(" | ", c.Select((x, i) => x.PadRight(widths[i])))).Append(" |\n");
            else text.Append(string.Join("  ", c.Select((x, i) => i is 0 or 5 ? x.PadRight(widths[i]) : x.PadLeft(widths[i])))).Append('\n');
        }
        Line(head);
        if (markdown) text.Append("| ").Append(string.Join(" | ", widths.Select(w => new string('-', w)))).Append(" |\n");
        else text.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
        foreach (var c in cells) Line(c);
        return text.ToString();
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void WriteJson(string path, IReadOnlyList<Row> rows, IReadOnlyList<SpanRow> spans, object machine)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(path, JsonSerializer.Serialize(new { machine, rows, spans }, Json) + "\n");
    }
}

/// <summary>A stopwatch span inside the in-process plan (or its single-threaded profile).</summary>
internal sealed record SpanRow(string Scenario, int N, string Span, double MedianSeconds, double Share);
