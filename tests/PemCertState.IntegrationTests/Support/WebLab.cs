using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// An inventory whose web section points at a real web server started by a fixture (Apache httpd or NGINX), with a
/// PEM server data dir in a lab folder beside it; plan and apply go through the engine as the CLI does.
/// </summary>
internal sealed class WebLab
{
    /// <summary>ca: PEM's own CA, RSA as PEM's sslutils needs it, 2048 bits so that a lab applies in a blink.</summary>
    public const string ManagedCa = """
        ca:
          subject: /C=IN/O=PEM/CN=pem-ca
          key: { algorithm: rsa, bits: 2048 }
        """;

    /// <param name="root">The fixture's temp folder; the lab lives in root/lab.</param>
    /// <param name="server">apache | nginx.</param>
    /// <param name="ca">The inventory's ca section (default: <see cref="ManagedCa"/>).</param>
    /// <param name="webExtra">More keys for the web section, each on its own line with two spaces of indent.</param>
    public WebLab(string root, string server, string config, string test, string reload, int port, string pemName, string? ca = null, string webExtra = "")
    {
        Folder = Path.Combine(root, "lab");
        Directory.CreateDirectory(Folder);
        Port = port;
        File.WriteAllText(InventoryPath, $"""
            version: 1
            hosts:
              pem: {"{ transport: local }"}
            {ca ?? ManagedCa}
            server:
              host: pem
              data_dir: {Folder}/data
              state_dir: {Folder}/state
              subject: /C=IN/O=EDB/CN=localhost
              key: {"{ algorithm: ecdsa, curve: p256 }"}
              restart: "true"
            web:
              host: pem
              server: {server}
              config: {config}
              certificate_file: {Folder}/web/pem-web.crt
              key_file: {Folder}/web/pem-web.key
              subject: /C=IN/O=EDB/CN={pemName}
              subject_alt_names: [{pemName}, 127.0.0.1]
              key: {"{ algorithm: rsa, bits: 2048 }"}
              test: {test}
              reload: {reload}
              address: 127.0.0.1:{port}
            {webExtra}
            """);
    }

    public string Folder { get; }
    public int Port { get; }
    public string InventoryPath => Path.Combine(Folder, "pemstate.yaml");
    public string Certificate => Path.Combine(Folder, "web", "pem-web.crt");
    public string Key => Path.Combine(Folder, "web", "pem-web.key");
    public string CaCertificate => Path.Combine(Folder, "data", "ca_certificate.crt");

    public DesiredState Desired
    {
        get
        {
            var result = InventoryLoader.Load(InventoryPath);
            Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
            return result.State!;
        }
    }

    public async Task<(Plan Plan, ApplyResult Result, ObservedState Observed)> ApplyAsync()
    {
        var desired = Desired;
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, DateTimeOffset.UtcNow);
        var result = await new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System)
            .ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);
        return (plan, result, observed);
    }

    public async Task<(Plan Plan, ObservedState Observed)> PlanAsync()
    {
        var desired = Desired;
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        return (Planner.Create(desired, observed, DateTimeOffset.UtcNow), observed);
    }
}
