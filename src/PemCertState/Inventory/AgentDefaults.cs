using System.Globalization;

namespace PemCertState.Inventory;

/// <summary>
/// agents.defaults, resolved, for agents the inventory does not list (agents.discover: database).
/// Paths are absolute and may still hold "{id}", replaced per agent by <see cref="For"/>.
/// </summary>
/// <param name="Host">agents.defaults.host; null: an unlisted agent has no host and cannot be managed.</param>
public sealed record AgentDefaults(
    string? Host,
    string CertDir,
    string Config,
    string? Owner,
    string? Restart,
    CertificatePolicy Policy)
{
    /// <summary>The agent with these defaults, or null when no default host is set.</summary>
    public AgentSpec? For(int id)
    {
        if (Host is null) return null;
        var idText = id.ToString(CultureInfo.InvariantCulture);
        return new AgentSpec(id, Host,
            CertDir.Replace("{id}", idText, StringComparison.Ordinal),
            Config.Replace("{id}", idText, StringComparison.Ordinal),
            Owner, Restart?.Replace("{id}", idText, StringComparison.Ordinal), Policy);
    }
}
