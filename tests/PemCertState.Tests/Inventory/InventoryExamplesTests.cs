using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

public sealed class InventoryExamplesTests
{
    [Theory]
    [InlineData("pemstate.yaml.example")]
    [InlineData("examples/quickstart/pemstate.yaml")]
    [InlineData("examples/web/pemstate.yaml")]
    public void Example_inventory_loads_without_diagnostics(string relativePath)
    {
        // Given an inventory shipped with the repository
        var path = Path.Combine(InventoryText.RepositoryRoot(), relativePath);

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then it is valid and resolves into the lab folder next to it
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.True(result.IsValid);
        var lab = Path.Combine(Path.GetDirectoryName(path)!, "lab");
        Assert.StartsWith(lab, result.State!.Server.DataDir, StringComparison.Ordinal);
        Assert.All(result.State.Agents.List, a => Assert.StartsWith(lab, a.CertDir, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pemstate.yaml.example")]
    [InlineData("examples/quickstart/pemstate.yaml")]
    [InlineData("examples/web/pemstate.yaml")]
    [InlineData("examples/local-postgres/pemstate.yaml")]
    [InlineData("examples/ssh-fleet/pemstate.yaml")]
    [InlineData("examples/gitops/sharded/ca.yaml")]
    [InlineData("examples/gitops/sharded/shard-1.yaml")]
    [InlineData("examples/gitops/sharded/shard-2.yaml")]
    [InlineData("examples/gitops/sharded/fleet.yaml")]
    public void Every_self_signed_example_gives_PEMs_sslutils_an_RSA_CA_key(string relativePath)
    {
        // Given a self-signed inventory shipped with the repository
        var path = Path.Combine(InventoryText.RepositoryRoot(), relativePath);

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then it loads, its CA key is RSA (what PEM_read_RSAPrivateKey reads), and it does not opt out of that
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(CaSource.SelfSigned, result.State!.Ca.Source);
        Assert.Equal(KeyAlgorithm.Rsa, result.State.Ca.Policy.Key.Algorithm);
        Assert.DoesNotMatch(@"(?m)^\s*sslutils_compatible:\s*false", File.ReadAllText(path));
    }

    [Fact]
    public void Reference_example_resolves_the_settings_it_documents()
    {
        // Given the commented reference inventory
        var path = Path.Combine(InventoryText.RepositoryRoot(), "pemstate.yaml.example");

        // When it is loaded
        var state = InventoryLoader.Load(path).State!;

        // Then the keys are the ones its comments explain and each agent gets its own folder
        var lab = Path.Combine(Path.GetDirectoryName(path)!, "lab");
        Assert.Equal(KeySpec.Rsa(4096), state.Ca.Policy.Key);
        Assert.Equal(KeySpec.Rsa(2048), state.Server.Policy.Key);
        Assert.Equal([1, 2, 3], state.Agents.List.Select(a => a.Id));
        Assert.Equal(KeySpec.EcdsaP256, state.Agents.List[0].Policy.Key);
        Assert.Equal(Path.Combine(lab, "agents", "1", ".pem"), state.Agents.List[0].CertDir);
        Assert.Equal(Path.Combine(lab, "agents", "2", "agent.cfg"), state.Agents.List[1].Config);
        Assert.Equal("true", state.Agents.List[0].Restart);
        Assert.Null(state.Agents.List[2].Restart);
    }

    [Fact]
    public void The_trusted_ca_example_round_trips_with_its_own_CA_script()
    {
        // Given a copy of examples/trusted-ca with the CA its script makes
        var source = Path.Combine(InventoryText.RepositoryRoot(), "examples", "trusted-ca");
        var folder = Directory.CreateTempSubdirectory("pemstate-trusted-example-").FullName;
        try
        {
            foreach (var file in new[] { "pemstate.yaml", "external-ca.sh" }) File.Copy(Path.Combine(source, file), Path.Combine(folder, file));
            Support.ExternalCa.Run(folder, "init");

            // When pemstate applies, the CA signs, and pemstate applies again (on the real clock: openssl signs with it)
            var now = new Dictionary<string, string?> { ["PEMSTATE_NOW"] = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
            var waiting = Support.Pemstate.RunWith(folder, now, "apply", "-f", "pemstate.yaml", "--auto-approve");
            Support.ExternalCa.Run(folder, "sign");
            var installed = Support.Pemstate.RunWith(folder, now, "apply", "-f", "pemstate.yaml", "--auto-approve");
            var again = Support.Pemstate.RunWith(folder, now, "plan", "-f", "pemstate.yaml", "--detailed-exitcode");

            // Then the first apply waited for three signatures, the second installed them, and nothing is left to do
            Assert.True(waiting.ExitCode == 3, waiting.Stdout + waiting.Stderr);
            Assert.Contains("Waiting for 3 signatures", waiting.Stdout, StringComparison.Ordinal);
            Assert.True(installed.ExitCode == 0, installed.Stdout + installed.Stderr);
            Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
            Assert.Contains(": OK", Support.OpenSsl.Run("verify", "-CAfile", Path.Combine(folder, "lab", "server", "data", "root.crt"),
                Path.Combine(folder, "lab", "agents", "2", ".pem", "agent2.crt")).Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Missing_inventory_file_is_a_diagnostic_at_the_first_line()
    {
        // Given a path where no file exists
        var path = Path.Combine(Path.GetTempPath(), $"pemstate-missing-{Guid.NewGuid():N}.yaml");

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then one diagnostic names the file, and there is no state
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((path, 1, 1), (diagnostic.File, diagnostic.Line, diagnostic.Column));
        Assert.Null(result.State);
    }
}
