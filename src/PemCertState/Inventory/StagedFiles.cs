namespace PemCertState.Inventory;

/// <summary>
/// The staged copies of a key and certificate switch: the new pair is written under staged names beside the live ones
/// (server.key.next), the config pointed at them, then renamed over the live names. Derived from the inventory only.
/// </summary>
internal static class StagedFiles
{
    /// <summary>Appended to a live name for its staged copy.</summary>
    public const string Suffix = ".next";

    /// <summary>
    /// Every staged copy a switch may write, from the inventory only: a kill inside a switch (Execution.PairSwitch) leaves some of
    /// them whole (a private key among them), and maybe the config naming them. The planner removes those it can prove are
    /// its own (Planning.LeftoverCleanup) once the config names the live pair again.
    /// </summary>
    public static IEnumerable<(string Host, string Path, string? Owner)> Of(DesiredState desired)
    {
        var server = desired.Server;
        // The CA's key is made under its staged name on a host that keeps its keys (Executor.HostKeys.cs).
        yield return (server.Host, PemFiles.InDataDir(server, PemFiles.CaKey) + Suffix, server.Owner);
        yield return (server.Host, PemFiles.InDataDir(server, PemFiles.ServerKey) + Suffix, server.Owner);
        yield return (server.Host, PemFiles.InDataDir(server, PemFiles.ServerCertificate) + Suffix, server.Owner);
        foreach (var agent in desired.Agents.List)
        {
            yield return (agent.Host, PemFiles.AgentKey(desired.Agents, agent) + Suffix, agent.Owner);
            yield return (agent.Host, PemFiles.AgentCertificate(desired.Agents, agent) + Suffix, agent.Owner);
        }
        if (desired.Web is { } web)
        {
            yield return (web.Host, web.KeyFile + Suffix, web.Owner);
            yield return (web.Host, web.CertificateFile + Suffix, web.Owner);
        }
    }
}
