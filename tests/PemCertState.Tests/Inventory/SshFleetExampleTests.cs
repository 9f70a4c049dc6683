using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class SshFleetExampleTests
{
    [Fact]
    public void The_ssh_fleet_example_loads_with_its_ssh_settings()
    {
        // Given examples/ssh-fleet
        var path = Path.Combine(InventoryText.RepositoryRoot(), "examples", "ssh-fleet", "pemstate.yaml");

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then it is valid and every ssh setting reaches the host specs
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        var hosts = result.State!.Hosts;
        Assert.All(hosts.Values, h => Assert.Equal(HostTransport.Ssh, h.Transport));
        Assert.Equal(2222, hosts["db-7"].Port);
        Assert.Equal("PEM_FLEET_KEY_PASSPHRASE", hosts["db-7"].PassphraseEnv);
        Assert.True(hosts["db-8"].Sudo);
        Assert.Equal("SHA256:Cc9hKO1WmbZ6vCgGBEEaG5x1hwy6QbRqk9Gy5vQpB0I", hosts["db-8"].HostKey);
    }

    [Fact]
    public void A_host_key_that_is_not_a_sha256_fingerprint_is_a_diagnostic()
    {
        // Given a pinned host key in MD5 form
        var yaml = File.ReadAllText(Path.Combine(InventoryText.RepositoryRoot(), "examples", "ssh-fleet", "pemstate.yaml"))
            .Replace("SHA256:Cc9hKO1WmbZ6vCgGBEEaG5x1hwy6QbRqk9Gy5vQpB0I", "MD5:16:27:ac:a5", StringComparison.Ordinal);

        // When it is parsed
        var result = InventoryLoader.Parse(yaml, "/fleet/pemstate.yaml");

        // Then it is refused at that line
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains("host_key", diagnostic.ToString(), StringComparison.Ordinal);
    }
}
