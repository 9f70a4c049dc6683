namespace PemCertState.Inventory;

/// <summary>Either a valid <see cref="DesiredState"/> or every diagnostic found (State is then null).</summary>
internal sealed record InventoryResult(DesiredState? State, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool IsValid => State is not null && Diagnostics.Count == 0;
}
