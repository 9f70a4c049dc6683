using System.Globalization;

namespace PemCertState.Rendering;

/// <summary>A count with its noun in the right number: "1 agent", "2 agents", "1 key to generate". Never "1 agents" nor "agent(s)".</summary>
public static class Counts
{
    /// <param name="plural">When adding "s" is wrong ("1 CA", "2 CAs" is right; "1 entry", "2 entries" is not).</param>
    public static string Of(int count, string singular, string? plural = null) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural ?? singular + "s")}";
}
