namespace PemCertState.Inventory;

/// <summary>
/// "Did you mean": the known name nearest a mistyped one, for inventory keys and command-line options alike.
/// Nearest by edit distance (insert, delete, replace, swap two neighbours: the typos fingers make), and only when
/// close enough that the suggestion is likely the intent; otherwise none, rather than a guess that misleads.
/// </summary>
public static class NameSuggestions
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="typed"/>, or null when none is close.</summary>
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(known);
        if (typed.Length == 0 || typed.Length > 100) return null;
        // A third of the longer name, at least 1, at most 3: 'revoke_remove' finds 'revoke_removed', 'colour' finds nothing in ca.
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (name == typed) return null;
            var allowed = Math.Clamp(Math.Max(name.Length, typed.Length) / 3, 1, 3);
            var distance = Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance <= allowed && distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
