using System.Globalization;

namespace PemCertState.Inventory;

/// <summary>Inventory durations are whole days ("365d"); the schema checks the form, this turns it into a TimeSpan.</summary>
internal static class Durations
{
    /// <summary>Longer than any certificate can sensibly live, short enough that dates never overflow.</summary>
    public const int MaximumDays = 36500;

    public static TimeSpan? TryParse(string? text) =>
        text is { Length: > 1 } && text[^1] == 'd'
        && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var days)
        && days is > 0 and <= MaximumDays
            ? TimeSpan.FromDays(days)
            : null;

    public static string Format(TimeSpan span) => $"{(int)span.TotalDays}d";
}
