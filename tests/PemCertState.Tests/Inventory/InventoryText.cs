using PemCertState.Inventory;

namespace PemCertState.Tests.Inventory;

/// <summary>Inventories written inline for the tests; line numbers in assertions count from the first line of the text.</summary>
internal static class InventoryText
{
    public const string File = "/lab/inventory/pemstate.yaml";

    public static InventoryResult Load(string yaml) => InventoryLoader.Parse(yaml, File);

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(folder.FullName, "PemCertState.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"no PemCertState.sln above {AppContext.BaseDirectory}");
    }
}
