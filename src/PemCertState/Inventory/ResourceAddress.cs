using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PemCertState.Inventory;

/// <summary>
/// The stable address of one resource (design.md, "Resources, steps and order"): its kind, and the agent or role it belongs
/// to. Code compares and matches addresses by their parts, never by text; the text ("agent[7].settings") is only the form
/// every output writes and <see cref="TryParse"/> reads back from a journal or a backup manifest.
/// </summary>
[JsonConverter(typeof(ResourceAddressJsonConverter))]
public readonly record struct ResourceAddress
{
    private ResourceAddress(ResourceKind kind, int? agent, string? name)
    {
        Kind = kind;
        Agent = agent;
        Name = name;
    }

    public ResourceKind Kind { get; }

    /// <summary>The agent the resource belongs to ("agent[7].settings", "restart[agent 7]": 7); null for the server's side.</summary>
    public int? Agent { get; }

    /// <summary>The name of the role or job a <see cref="ResourceKind.Role"/> or <see cref="ResourceKind.Job"/> address names.</summary>
    public string? Name { get; }

    /// <summary>One of the agent's own files ("agent[7].certificate", "agent[7].settings"), not its restart.</summary>
    public bool IsAgentFile => Kind is ResourceKind.AgentCertificate or ResourceKind.AgentSettings;

    /// <summary>A restart or reload of the server, in any phase.</summary>
    public bool IsServerLoad => Kind is ResourceKind.ServerRestart or ResourceKind.ServerRestartTrustingBoth
        or ResourceKind.ServerReload or ResourceKind.ServerReloadTrustingBoth;

    /// <summary>
    /// What the address's step acts on, as the plan names it: "agent 7" of restart[agent 7], "server" of reload[server],
    /// "server, both CAs", "web", a role's or job's name; the whole address for a resource of its own.
    /// </summary>
    public string Target => Kind switch
    {
        ResourceKind.AgentRestart => $"agent {Number(Agent)}",
        ResourceKind.ServerRestart or ResourceKind.ServerReload => "server",
        ResourceKind.ServerRestartTrustingBoth or ResourceKind.ServerReloadTrustingBoth => "server, both CAs",
        ResourceKind.WebRestart => "web",
        ResourceKind.Role or ResourceKind.Job => Name!,
        _ => ToString(),
    };

    internal static ResourceAddress Of(ResourceKind kind) => new(kind, null, null);

    internal static ResourceAddress OfAgent(ResourceKind kind, int agent) => new(kind, agent, null);

    internal static ResourceAddress OfNamed(ResourceKind kind, string name) => new(kind, null, name);

    public override string ToString() => Kind switch
    {
        ResourceKind.Ca => "ca",
        ResourceKind.ServerCertificate => "server.certificate",
        ResourceKind.RootBundle => "server.root_crt",
        ResourceKind.RootCrl => "server.root_crl",
        ResourceKind.ServerSettings => "server.settings",
        ResourceKind.CommonAgentCertificate => "agents.common_certificate",
        ResourceKind.AgentLedger => "agents.ledger",
        ResourceKind.State => "state",
        ResourceKind.Leftovers => "leftovers",
        ResourceKind.ServerRestart => "restart[server]",
        ResourceKind.ServerRestartTrustingBoth => "restart[server, both CAs]",
        ResourceKind.ServerReload => "reload[server]",
        ResourceKind.ServerReloadTrustingBoth => "reload[server, both CAs]",
        ResourceKind.WebCertificate => "web.certificate",
        ResourceKind.WebSettings => "web.settings",
        ResourceKind.WebRestart => "restart[web]",
        ResourceKind.AgentCertificate => $"agent[{Number(Agent)}].certificate",
        ResourceKind.AgentSettings => $"agent[{Number(Agent)}].settings",
        ResourceKind.AgentRestart => $"restart[agent {Number(Agent)}]",
        ResourceKind.Role => $"role[{Name}]",
        ResourceKind.Job => $"job[{Name}]",
        _ => throw new InvalidOperationException($"a {Kind} resource address names no resource"),
    };

    private static string Number(int? agent) => agent!.Value.ToString(CultureInfo.InvariantCulture);

    private static readonly Dictionary<string, ResourceKind> Fixed =
        Enum.GetValues<ResourceKind>().Where(k => k is not (ResourceKind.None or ResourceKind.AgentCertificate or ResourceKind.AgentSettings or ResourceKind.AgentRestart or ResourceKind.Role or ResourceKind.Job))
            .ToDictionary(k => Of(k).ToString(), StringComparer.Ordinal);

    /// <summary>
    /// The address written as <paramref name="text"/>, read from a file pemstate wrote (a journal, a backup manifest, an
    /// issuance record): untrusted, so anything that is not exactly an address's text is refused.
    /// </summary>
    public static bool TryParse(string? text, out ResourceAddress address)
    {
        address = default;
        if (text is null) return false;
        if (Fixed.TryGetValue(text, out var kind))
        {
            address = Of(kind);
            return true;
        }
        if (Between(text, "agent[", "].certificate") is { } certificate && AgentNumber(certificate) is { } a)
            address = OfAgent(ResourceKind.AgentCertificate, a);
        else if (Between(text, "agent[", "].settings") is { } settings && AgentNumber(settings) is { } b)
            address = OfAgent(ResourceKind.AgentSettings, b);
        else if (Between(text, "restart[agent ", "]") is { } restart && AgentNumber(restart) is { } c)
            address = OfAgent(ResourceKind.AgentRestart, c);
        else if (Between(text, "role[", "]") is { } role && IsName(role))
            address = OfNamed(ResourceKind.Role, role);
        else if (Between(text, "job[", "]") is { } job && IsName(job))
            address = OfNamed(ResourceKind.Job, job);
        else
            return false;
        return true;
    }

    /// <summary>The address written as <paramref name="text"/>; a <see cref="FormatException"/> for anything else.</summary>
    public static ResourceAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"not a resource address: {text}");

    private static string? Between(string text, string prefix, string suffix) =>
        text.Length > prefix.Length + suffix.Length && text.StartsWith(prefix, StringComparison.Ordinal) && text.EndsWith(suffix, StringComparison.Ordinal)
            ? text[prefix.Length..^suffix.Length] : null;

    /// <summary>A role's or job's name: 1 to 128 characters, no bracket, no control character.</summary>
    private static bool IsName(string name) =>
        name.Length is > 0 and <= 128 && !name.Any(c => c is '[' or ']' || ControlCharacters.IsControl(c));

    /// <summary>Exactly as <see cref="ToString"/> writes an inventory's id (1 and up): "07", "+7" or " 7" are not agent 7.</summary>
    private static int? AgentNumber(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            && id.ToString(CultureInfo.InvariantCulture) == digits ? id : null;
}

/// <summary>An address in JSON is its text; reading one that is not exactly an address's text fails.</summary>
internal sealed class ResourceAddressJsonConverter : JsonConverter<ResourceAddress>
{
    public override ResourceAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ResourceAddress.TryParse(reader.GetString(), out var address) ? address : throw new JsonException("not a resource address");

    public override void Write(Utf8JsonWriter writer, ResourceAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
