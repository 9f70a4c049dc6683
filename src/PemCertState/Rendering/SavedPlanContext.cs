namespace PemCertState.Rendering;

/// <summary>What a saved plan records besides its steps: the inventory it came from and a fingerprint of every observed file.</summary>
public sealed record SavedPlanContext(string InventoryPath, string InventorySha256, IReadOnlyDictionary<string, string> Observed);
