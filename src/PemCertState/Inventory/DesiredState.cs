namespace PemCertState.Inventory;

/// <summary>
/// What the inventory says should be true, with defaults applied, paths made absolute and the
/// nearest key/validity/renew_before resolved onto each certificate. Built only by
/// <see cref="InventoryLoader"/>; everything downstream trusts it to be valid.
/// </summary>
/// <param name="Web">The web section; null when the inventory has none (the web server is not managed).</param>
public sealed record DesiredState(
    string SourcePath,
    IReadOnlyDictionary<string, HostSpec> Hosts,
    CaSpec Ca,
    ServerSpec Server,
    AgentsSpec Agents,
    WebSpec? Web = null);
