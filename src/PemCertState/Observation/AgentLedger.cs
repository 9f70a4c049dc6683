using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// `agents.json` in the server's state_dir (0600, written atomically, only with agents.revoke_removed):
/// which agent holds which certificate, and the agents retired so far. The inventory forgets an agent the moment
/// it is removed from it; the ledger is how the next plan still finds its files and its serial.
/// </summary>
/// <remarks>Level-based like everything else: an apply writes it last, after the CRL and the file removals, so an
/// apply interrupted at any point leaves a ledger that still names every agent whose revocation is unfinished.</remarks>
public sealed record AgentLedger(int Version, IReadOnlyList<LedgerEntry> Agents, IReadOnlyList<RetiredAgent> Retired)
{
    public const string FileName = "agents.json";

    /// <summary>Where a pemstate from before state_dir kept it: in data_dir. Read when the state folder has none, then moved.</summary>
    public const string LegacyFileName = ".pemstate-agents.json";

    public static string PathFor(ServerSpec server) => Path.Combine(server.StateDir, FileName);

    public static string LegacyPathFor(ServerSpec server) => Path.Combine(server.DataDir, LegacyFileName);

    /// <summary>The entry for a managed agent holding <paramref name="certificate"/>; the planner and the executor both build it here, so that what an apply writes is what the next plan expects.</summary>
    public static LedgerEntry Entry(AgentsSpec agents, AgentSpec agent, Crypto.CertificateSummary certificate) => new(
        agent.Id, agent.Host, PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent), PemFiles.AgentBackupDir(agent),
        certificate.Subject, certificate.Serial, certificate.Issuer);

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, AgentLedgerJson.Default.AgentLedger) + "\n");

    /// <summary>
    /// Entries <see cref="Parse"/> left out because a field is missing, of the wrong shape or out of bounds, each as
    /// "agents[3] (agent 7): serial ... is not ...". Never written back: the next ledger an apply writes drops them.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> Refused { get; init; } = [];

    /// <summary>
    /// The ledger, or an error that says why the file cannot be read as one. The file is read from a managed host (and
    /// an older pemstate's from data_dir, which the database account owns): every entry is checked, and one that fails is left out (and named in <see cref="Refused"/>)
    /// rather than acted on.
    /// </summary>
    public static (AgentLedger? Ledger, string? Error) Parse(byte[] content)
    {
        AgentLedger? ledger;
        try
        {
            ledger = JsonSerializer.Deserialize(content, AgentLedgerJson.Default.AgentLedger);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or FormatException)
        {
            return (null, $"not valid JSON: {e.Message}");
        }
        if (ledger is null || ledger.Version != 1 || ledger.Agents is null || ledger.Retired is null)
            return (null, "not a pemstate agent ledger of version 1");

        var refused = new List<string>();
        var agents = new List<LedgerEntry>();
        var ids = new HashSet<int>();
        for (var i = 0; i < ledger.Agents.Count; i++)
        {
            var entry = ledger.Agents[i];
            var problems = LedgerEntryRules.Problems(entry);
            if (problems.Count == 0 && !ids.Add(entry.Id)) problems = [$"agent {entry.Id} appears more than once"];
            if (problems.Count == 0) agents.Add(entry);
            else refused.Add($"agents[{i}]{Named(entry)}: {string.Join("; ", problems)}");
        }
        var retired = new List<RetiredAgent>();
        for (var i = 0; i < ledger.Retired.Count; i++)
        {
            var agent = ledger.Retired[i];
            var problems = agent is null ? ["is null"] : LedgerEntryRules.Problems(agent.Agent).ToList();
            if (agent is not null)
            {
                if (agent.Serials is null || agent.Serials.Count > LedgerEntryRules.MaxSerials || agent.Serials.Any(s => !LedgerEntryRules.IsSerial(s)))
                    problems.Add("serials is not a list of certificate serials");
                if (agent.Reason is null || agent.Reason.Length > LedgerEntryRules.MaxText || agent.Reason.Any(char.IsControl))
                    problems.Add("reason is missing, too long or holds control characters");
            }
            if (problems.Count == 0) retired.Add(agent!);
            else refused.Add($"retired[{i}]{Named(agent?.Agent)}: {string.Join("; ", problems)}");
        }
        return (ledger with { Agents = agents, Retired = retired, Refused = refused }, null);
    }

    private static string Named(LedgerEntry? entry) => entry is null ? "" : $" (agent {entry.Id})";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AgentLedger))]
internal sealed partial class AgentLedgerJson : JsonSerializerContext;
