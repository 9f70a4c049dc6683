namespace PemCertState.Inventory;

/// <summary>Reads pemstate.yaml, validates it against schemas/pemstate.schema.json and the rules, and resolves defaults.</summary>
public static class InventoryLoader
{
    /// <summary>Loads the file at <paramref name="path"/>. A missing or unreadable file is a diagnostic at 1:1.</summary>
    public static InventoryResult Load(string path) => throw new NotImplementedException();

    /// <summary>Parses <paramref name="yaml"/> as if read from <paramref name="path"/> (relative paths resolve against its folder).</summary>
    public static InventoryResult Parse(string yaml, string path) => throw new NotImplementedException();
}
