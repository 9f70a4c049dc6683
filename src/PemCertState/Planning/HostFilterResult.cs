using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <param name="Desired">The inventory without the skipped hosts and their agents.</param>
/// <param name="SkippedAgents">Ids of the agents left out, whose steps the plan does not contain.</param>
/// <param name="Error">Why the skip request cannot be honoured (unknown host, the server's host), or null.</param>
public sealed record HostFilterResult(DesiredState Desired, IReadOnlyList<string> SkippedHosts, IReadOnlyList<int> SkippedAgents, string? Error)
{
    /// <summary>The web section's host was skipped: its certificate, settings and reload are neither observed nor planned.</summary>
    public bool SkippedWeb { get; init; }

    /// <summary>One line for people: what this run leaves out, or null when nothing is skipped.</summary>
    public string? Summary => SkippedHosts.Count == 0 ? null
        : $"Skipped hosts (--skip-host): {string.Join(", ", SkippedHosts)}; not observed and not planned: " + LeftOut() + ".";

    private string LeftOut()
    {
        var parts = SkippedAgents.Select(id => $"agent[{id}]").ToList();
        if (SkippedWeb) parts.Add($"{Addresses.WebCertificate}, {Addresses.WebSettings}, {Addresses.WebRestart}");
        return parts.Count == 0 ? "no agents" : string.Join(", ", parts);
    }
}
