using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Application;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Benchmarks;

/// <summary>
/// A local lab of N agents in a temp folder, laid out as tests/PemCertState.Tests/Support/Lab.cs does:
/// one local host, the server's data dir, agents/{id}/.pem cert dirs and agents/{id}/agent.cfg, per-agent mode.
/// Restart commands are "true" (as in pemstate.yaml.example): harmless, but each one is a real /bin/sh.
/// </summary>
internal sealed class Fleet : IDisposable
{
    public string Root { get; }
    public int Agents { get; }
    public string Key { get; }
    public string InventoryPath => Path.Combine(Root, "pemstate.yaml");
    private readonly bool _keep;

    private Fleet(string root, int agents, string key, bool keep)
    {
        Root = root;
        Agents = agents;
        Key = key;
        _keep = keep;
    }

    public static string KeyYaml(string key) => key switch
    {
        "p256" => "{ algorithm: ecdsa, curve: p256 }",
        "rsa2048" => "{ algorithm: rsa, bits: 2048 }",
        "rsa4096" => "{ algorithm: rsa, bits: 4096 }",
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "rsa2048|rsa4096|p256"),
    };

    /// <summary>An existing lab (child mode); never deleted by Dispose.</summary>
    public static Fleet Open(string inventoryPath) => new(Path.GetDirectoryName(Path.GetFullPath(inventoryPath))!, 0, "", keep: true);

    /// <summary>An empty lab: only pemstate.yaml; every key, certificate and setting still to be made.</summary>
    public static Fleet CreateEmpty(int agents, string key, bool keep)
    {
        var root = Directory.CreateTempSubdirectory($"pemstate-bench-{agents}-{key}-").FullName;
        var fleet = new Fleet(root, agents, key, keep);
        var k = KeyYaml(key);
        // The fresh-apply floor counts every key as the lab's one kind, CA included, so a P-256 lab keeps a P-256 CA
        // and says that nothing of PEM's signs with it (an ECDSA CA is refused otherwise).
        var optOut = key == "p256" ? "\n  sslutils_compatible: false" : "";
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"""
            version: 1
            hosts:
              pem: {"{ transport: local }"}
            ca:
              source: self-signed
              subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca
              key: {k}{optOut}
              validity: 3650d
              renew_before: 30d
            server:
              host: pem
              data_dir: server/data
              state_dir: state
              subject: /C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com
              key: {k}
              validity: 365d
              renew_before: 30d
              restart: "true"
            agents:
              user: per-agent
              subject: /C=IN/ST=MH/L=Pune/O=PEM
              defaults:
                cert_dir: agents/{"{id}"}/.pem
                config: agents/{"{id}"}/agent.cfg
                restart: "true"
                key: {k}
                validity: 365d
                renew_before: 30d
              list:

            """);
        for (var i = 1; i <= agents; i++) yaml.Append(CultureInfo.InvariantCulture, $"    - {{ id: {i}, host: pem }}\n");
        File.WriteAllText(fleet.InventoryPath, yaml.ToString());
        return fleet;
    }

    /// <summary>A converged lab: the empty one, applied in process as the CLI applies it.</summary>
    public static async Task<Fleet> CreateConvergedAsync(int agents, string key, bool keep)
    {
        var fleet = CreateEmpty(agents, key, keep);
        await ApplyAsCliAsync(fleet.InventoryPath, "lab");
        var again = await fleet.PlanAsync();
        if (!again.IsEmpty) throw new InvalidOperationException($"lab not converged after apply: {again.Steps.Count} steps left");
        return fleet;
    }

    /// <summary>
    /// `pemstate apply --auto-approve` in process: the library's apply operation, which the command line runs, under the
    /// apply lock and with its journal, which every later plan reads (100,000 lines at 10,000 agents), as on a real fleet.
    /// </summary>
    internal static async Task ApplyAsCliAsync(string inventoryPath, string lab)
    {
        var said = new List<string>();
        var outcome = await new ApplyOperation(desired => new HostSet(desired), NullLoggerFactory.Instance, TimeProvider.System)
            .RunAsync(new ApplyRequest(inventoryPath), said.Add, CancellationToken.None); // the CLI's --parallelism default
        if (outcome.Status is not (ApplyStatus.Done or ApplyStatus.NothingToDo))
            throw new InvalidOperationException($"{lab} apply {outcome.Status}: {outcome.Result?.Failure ?? string.Join("; ", said)}");
    }

    public DesiredState Load()
    {
        var result = InventoryLoader.Load(InventoryPath);
        if (!result.IsValid) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        return result.State!;
    }

    public async Task<Plan> PlanAsync()
    {
        var desired = Load();
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        return Planner.Create(desired, observed, DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        if (_keep) return;
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
