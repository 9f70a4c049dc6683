using System.Net;
using PemCertState.Facts;

namespace PemCertState.Planning;

/// <summary>
/// Whether pg_hba.conf lets agents in with their certificates: a hostssl (or host) line for database
/// pem (or all) and user +pem_agent (or the agent's role, or all) with method cert, not shadowed by an
/// earlier line that the same login matches first. PostgreSQL uses the first matching line only.
/// </summary>
internal static class HbaCheck
{
    /// <param name="users">The user names the agents log in as (agent&lt;ID&gt; or the common user).</param>
    /// <returns>The problem in words, or null when agents reach a cert line first.</returns>
    public static string? Problem(IReadOnlyList<HbaRule> rules, string database, IReadOnlyCollection<string> users)
    {
        var certLine = rules.FirstOrDefault(r => Usable(r) && IsTcpWithSsl(r) && r.Method == "cert"
            && MatchesDatabase(r, database) && MatchesAgents(r, users));
        if (certLine is null)
            return $"pg_hba.conf has no 'hostssl {database} +pem_agent <address> cert' line: agents cannot log in with their certificates";

        var shadow = rules.FirstOrDefault(r => r.Line < certLine.Line && Usable(r) && IsTcpWithSsl(r)
            && MatchesDatabase(r, database) && MatchesAgents(r, users) && Covers(r, certLine));
        return shadow is null
            ? null
            : $"pg_hba.conf line {shadow.Line} ({shadow}) comes before line {certLine.Line} ({certLine}) and matches agent logins first, " +
              $"so they use {shadow.Method} instead of cert";
    }

    /// <summary>
    /// A line the server rejected is skipped, except a hostssl line rejected only because ssl is off now:
    /// it matches once pemstate's settings are applied and the server restarts.
    /// </summary>
    private static bool Usable(HbaRule rule) => rule.Error is null || rule.Error.Contains("SSL is disabled", StringComparison.Ordinal);

    /// <summary>hostnossl never matches an SSL login; local is not TCP.</summary>
    private static bool IsTcpWithSsl(HbaRule rule) => rule.Type is "host" or "hostssl";

    private static bool MatchesDatabase(HbaRule rule, string database) =>
        rule.Databases.Any(d => d == "all" || d == database);

    /// <summary>Agents log in as members of pem_agent; "all", "+pem_agent" and their own names match them.</summary>
    private static bool MatchesAgents(HbaRule rule, IReadOnlyCollection<string> users) =>
        rule.Users.Any(u => u == "all" || u == "+pem_agent" || users.Contains(u));

    /// <summary>Whether every address the later line admits is also matched by the earlier one (unknown names count as no).</summary>
    private static bool Covers(HbaRule earlier, HbaRule later)
    {
        if (earlier.Address is null or "all") return true;
        if (earlier.Address is "samehost" or "samenet") return later.Address is "samehost" or "samenet" or not null && IsLoopback(later.Address);
        if (Network(earlier) is not { } outer || Network(later) is not { } inner) return false;
        return outer.BaseAddress.AddressFamily == inner.BaseAddress.AddressFamily
            && outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);
    }

    private static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);

    private static IPNetwork? Network(HbaRule rule)
    {
        if (rule.Address is null || !IPAddress.TryParse(rule.Address, out var address)) return null;
        var prefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (rule.Netmask is { } mask && IPAddress.TryParse(mask, out var netmask))
            prefix = netmask.GetAddressBytes().Sum(b => System.Numerics.BitOperations.PopCount(b));
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), prefix);
    }
}
