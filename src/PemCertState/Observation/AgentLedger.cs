using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// `.pemstate-agents.json` in the server's data dir (0600, written atomically, only with agents.revoke_removed):
/// which agent holds which certificate, and the agents retired so far. The inventory forgets an agent the moment
/// it is removed from it; the ledger is how the next plan still finds its files and its serial.
/// </summary>
/// <remarks>Level-based like everything else: an apply writes it last, after the CRL and the file removals, so an
/// apply interrupted at any point leaves a ledger that still names every agent whose revocation is unfinished.</remarks>
public sealed record AgentLedger(int Version, IReadOnlyList<LedgerEntry> Agents, IReadOnlyList<RetiredAgent> Retired)
{
    public const string FileName = ".pemstate-agents.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string PathFor(ServerSpec server) => Path.Combine(server.DataDir, FileName);

    /// <summary>The entry for a managed agent holding <paramref name="certificate"/>; the planner and the executor both build it here, so that what an apply writes is what the next plan expects.</summary>
    public static LedgerEntry Entry(AgentsSpec agents, AgentSpec agent, Crypto.CertificateSummary certificate) => new(
        agent.Id, agent.Host, PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent), PemFiles.AgentBackupDir(agent),
        certificate.Subject, certificate.Serial, certificate.Issuer);

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The ledger, or an error that says why the file cannot be read as one.</summary>
    public static (AgentLedger? Ledger, string? Error) Parse(byte[] content)
    {
        try
        {
            var ledger = JsonSerializer.Deserialize<AgentLedger>(content, Json);
            if (ledger is null || ledger.Version != 1 || ledger.Agents is null || ledger.Retired is null)
                return (null, "not a pemstate agent ledger of version 1");
            return (ledger, null);
        }
        catch (JsonException e)
        {
            return (null, $"not valid JSON: {e.Message}");
        }
    }
}
