using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>A NUL in a path is a diagnostic at its position, not an ArgumentException from Path.GetFullPath (issue 18, item 10).</summary>
[Trait("Category", "Unit")]
public sealed class NulInPathTests
{
    [Fact]
    public void A_nul_in_data_dir_is_reported_with_its_position()
    {
        // Given an inventory whose data_dir holds an escaped NUL
        var folder = Directory.CreateTempSubdirectory("pemstate-nul-").FullName;
        try
        {
            var path = Path.Combine(folder, "pemstate.yaml");
            File.WriteAllText(path, "version: 1\nhosts: { pem: { transport: local } }\nca: { subject: /CN=pem-ca }\n" +
                "server: { host: pem, data_dir: \"lab/se\\0rv\", subject: /CN=pem }\n");

            // When loaded
            var result = InventoryLoader.Load(path);

            // Then it is invalid, with the NUL named at its line
            Assert.False(result.IsValid);
            Assert.Contains(result.Diagnostics, d => d.ToString().Contains(":4:", StringComparison.Ordinal) && d.ToString().Contains("NUL", StringComparison.Ordinal));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
