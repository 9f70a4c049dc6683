using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.Observation;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// An inventory pointed at a <see cref="PostgresFixture"/>: the server's data dir is the real one, agents get
/// folders of their own under the fixture. Runs the library pipeline exactly as the CLI does:
/// load, discover, observe, plan, apply.
/// </summary>
internal sealed class PemLab
{
    private readonly PostgresFixture _postgres;

    public string Folder { get; }
    public string InventoryPath => Path.Combine(Folder, "pemstate.yaml");
    public string RootCrt => Path.Combine(_postgres.DataDir, "root.crt");
    public void Rewrite(string from, string to) =>
        File.WriteAllText(InventoryPath, File.ReadAllText(InventoryPath).Replace(from, to, StringComparison.Ordinal));
    /// <summary>server.state_dir: inside the lab, so that no test writes to /var/lib/pemstate.</summary>
    public string StateDir => Path.Combine(Folder, "state");

    public string CertDir(int id) => Path.Combine(Folder, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture), ".pem");

    /// <param name="agentsYaml">The whole agents section; "{folder}" is replaced by the lab folder.</param>
    /// <param name="database">server.database; default: the fixture's server.</param>
    /// <param name="dataDir">server.data_dir; default: the fixture's data dir.</param>
    /// <param name="reload">false: server.reload is null, so every change restarts the server (tests of restarts).</param>
    public PemLab(PostgresFixture postgres, string name, string agentsYaml, string? restart = null, string? database = null, string? dataDir = null, bool reload = true)
    {
        _postgres = postgres;
        Folder = Path.Combine(postgres.Root, name);
        Directory.CreateDirectory(Folder);
        var key = "{ algorithm: ecdsa, curve: p256 }";
        File.WriteAllText(InventoryPath, $"""
            version: 1
            hosts:
              pem: {"{ transport: local }"}
            ca:
              subject: /C=IN/O=PEM/CN=pem-ca
              key: {"{ algorithm: rsa, bits: 2048 }"}
            server:
              host: pem
              data_dir: {dataDir ?? postgres.DataDir}
              state_dir: {StateDir}
              owner: postgres
              subject: /C=IN/O=EDB/CN=localhost
              key: {key}
              restart: "{restart ?? postgres.RestartCommand}"
              {(reload ? "" : "reload: null")}
              database: {database ?? postgres.DatabaseYaml()}
            {agentsYaml.Replace("{folder}", Folder, StringComparison.Ordinal)}
            """);
    }

    public static string PerAgent(params int[] ids) => $$"""
        agents:
          subject: /C=IN/O=PEM
          defaults: { host: pem, cert_dir: "{folder}/agents/{id}/.pem", config: "{folder}/agents/{id}/agent.cfg", key: { algorithm: ecdsa, curve: p256 } }
          list: [{{string.Join(", ", ids.Select(i => $"{{ id: {i} }}"))}}]
        """;

    public DesiredState Loaded
    {
        get
        {
            var result = InventoryLoader.Load(InventoryPath);
            Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
            return result.State!;
        }
    }

    /// <summary>Load and discover, as the CLI does before observing.</summary>
    public async Task<DesiredState> DesiredAsync()
    {
        var loaded = Loaded;
        await using var hosts = new HostSet(loaded);
        var discovery = await AgentDiscovery.DiscoverAsync(loaded, hosts, CancellationToken.None);
        Assert.True(discovery.Desired is not null, string.Join("\n", discovery.Errors));
        return discovery.Desired;
    }

    public async Task<(DesiredState Desired, ObservedState Observed)> ObserveAsync()
    {
        var desired = await DesiredAsync();
        await using var hosts = new HostSet(desired);
        return (desired, await new Observer(hosts).ObserveAsync(desired, CancellationToken.None));
    }

    public async Task<Plan> PlanAsync()
    {
        var (desired, observed) = await ObserveAsync();
        return Planner.Create(desired, observed, DateTimeOffset.UtcNow);
    }

    /// <param name="stopAfter">Run only the plan's steps up to and including the first one this picks (an apply cut short).</param>
    /// <param name="planAt">The planner's clock (a later one renews what would be inside its window then); the apply still issues
    /// at the real time, so that the real server accepts what it issues.</param>
    public async Task<(Plan Plan, ApplyResult Result)> ApplyAsync(bool mustSucceed = true, PlanOptions? options = null, Func<PlanStep, bool>? stopAfter = null,
        DateTimeOffset? planAt = null)
    {
        // The common case is `pemstate apply --auto-approve`: the library's apply operation (lock, re-observation, journal).
        if (stopAfter is null && planAt is null)
            return await PemCertState.Tests.Support.Lab.ApplyInventoryAsync(InventoryPath, TimeProvider.System, options, mustSucceed);

        // An apply cut short, or planned at another clock than it issues with: what only a test does, on the executor itself.
        var desired = await DesiredAsync();
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, planAt ?? DateTimeOffset.UtcNow, options);
        if (stopAfter is not null) plan = new Plan(plan.Steps.Take(plan.Steps.ToList().FindIndex(s => stopAfter(s)) + 1).ToList());
        var executor = new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System);
        var result = await executor.ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);
        if (mustSucceed) Assert.True(result.Succeeded, result.Failure);
        return (plan, result);
    }
}
