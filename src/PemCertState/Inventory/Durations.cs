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

    /// <summary>A command that runs longer than a day is hung, whatever it is; and the bound keeps the seconds in range.</summary>
    public static readonly TimeSpan MaximumCommandTimeout = TimeSpan.FromHours(24);

    /// <summary>A command timeout is seconds or minutes ("120s", "5m"), not whole days like certificate durations.</summary>
    public static TimeSpan? TryParseCommandTimeout(string? text)
    {
        if (text is not { Length: > 1 } || text[^1] is not ('s' or 'm')
            || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count <= 0)
            return null;
        var span = text[^1] == 's' ? TimeSpan.FromSeconds(count) : TimeSpan.FromMinutes(count);
        return span <= MaximumCommandTimeout ? span : null;
    }

    /// <summary>For messages: "120 s".</summary>
    public static string FormatSeconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
}
