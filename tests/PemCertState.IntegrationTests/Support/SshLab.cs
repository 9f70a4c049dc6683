using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// An inventory whose server and agents live on sshd hosts of a <see cref="SshdFixture"/>. The hosts are
/// loopback sshd processes, so the remote files sit in this lab's temp folder and the tests can check them
/// with openssl on the local path. Runs the real pipeline with the system clock (openssl verify checks
/// validity against the real time).
/// </summary>
internal sealed class SshLab : IDisposable
{
    public string Root { get; }
    public string InventoryPath => Path.Combine(Root, "pemstate.yaml");
    public string KnownHostsPath => Path.Combine(Root, "known_hosts");
    public string DataDir => Path.Combine(Root, "server", "data");

    /// <summary>server.state_dir: inside the lab, so that no test writes to /var/lib/pemstate.</summary>
    public string StateDir => Path.Combine(Root, "state");
    public string CertDir(int id) => Path.Combine(Root, "agents", id.ToString(CultureInfo.InvariantCulture), ".pem");
    public string AgentConfig(int id) => Path.Combine(Root, "agents", id.ToString(CultureInfo.InvariantCulture), "agent.cfg");
    public string RestartLog => Path.Combine(Root, "restarts.log");

    private SshLab(string root) => Root = root;

    /// <summary>A lab with the server on <paramref name="hosts"/>[0] and agents 1..n spread over all hosts in turn.</summary>
    /// <param name="trust">Write every host's key to known_hosts first (the usual case).</param>
    /// <param name="hostLines">Extra YAML lines per host name (e.g. "sudo: true"), inside its mapping.</param>
    public static SshLab Create(
        SshdFixture fixture, IReadOnlyList<SshdInstance> hosts, int agents = 2, bool trust = true,
        string? agentRestart = null, IReadOnlyDictionary<string, string>? hostLines = null,
        IReadOnlyDictionary<string, string>? users = null)
    {
        var root = Directory.CreateTempSubdirectory("pemstate-sshlab-").FullName;
        // Folders other users (a sudo: true login) may need to traverse.
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
        var lab = new SshLab(root);
        if (trust) File.WriteAllLines(lab.KnownHostsPath, hosts.Select(h => h.KnownHostsLine));

        var yaml = new StringBuilder();
        yaml.Append("version: 1\nhosts:\n");
        foreach (var host in hosts)
        {
            var user = users?.GetValueOrDefault(host.Name) ?? "root";
            yaml.Append(CultureInfo.InvariantCulture, $"  {host.Name}:\n    transport: ssh\n    address: 127.0.0.1\n    port: {host.Port}\n");
            yaml.Append(CultureInfo.InvariantCulture, $"    user: {user}\n    identity_file: {fixture.ClientKey}\n    known_hosts: {lab.KnownHostsPath}\n");
            if (hostLines?.GetValueOrDefault(host.Name) is { } extra) yaml.Append(CultureInfo.InvariantCulture, $"    {extra}\n");
        }
        const string Key = "{ algorithm: ecdsa, curve: p256 }";
        yaml.Append(CultureInfo.InvariantCulture, $"""
            ca:
              source: self-signed
              subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca
              key: {"{ algorithm: rsa, bits: 2048 }"}
            server:
              host: {hosts[0].Name}
              data_dir: {lab.DataDir}
              state_dir: {lab.StateDir}
              subject: /C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com
              key: {Key}
              restart: echo server >> {lab.RestartLog}
            agents:
              user: per-agent
              subject: /C=IN/ST=MH/L=Pune/O=PEM
              defaults:
                cert_dir: {root}/agents/{"{id}"}/.pem
                config: {root}/agents/{"{id}"}/agent.cfg
                restart: '{(agentRestart ?? $"echo agent >> {lab.RestartLog}").Replace("'", "''", StringComparison.Ordinal)}'
                key: {Key}
              list:

            """);
        for (var id = 1; id <= agents; id++)
            yaml.Append(CultureInfo.InvariantCulture, $"    - {{ id: {id}, host: {hosts[(id - 1) % hosts.Count].Name} }}\n");
        File.WriteAllText(lab.InventoryPath, yaml.ToString());
        return lab;
    }

    public DesiredState Desired
    {
        get
        {
            var result = InventoryLoader.Load(InventoryPath);
            Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
            return result.State!;
        }
    }

    public async Task<Plan> PlanAsync(SshOptions? options = null)
    {
        var desired = Desired;
        await using var hosts = new HostSet(desired, options);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        return Planner.Create(desired, observed, DateTimeOffset.UtcNow);
    }

    public async Task<(Plan Plan, ApplyResult Result)> ApplyAsync(SshOptions? options = null)
    {
        var desired = Desired;
        await using var hosts = new HostSet(desired, options);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, DateTimeOffset.UtcNow);
        var executor = new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System);
        var result = await executor.ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);
        return (plan, result);
    }

    /// <summary>The apply operation as `pemstate apply --auto-approve` runs it, over hosts opened with <paramref name="options"/>.</summary>
    public async Task<(Plan? Plan, Application.ApplyOutcome Outcome, IReadOnlyList<string> Said)> ApplyOperationAsync(SshOptions options, PlanOptions? plan = null)
    {
        var said = new List<string>();
        var operation = new Application.ApplyOperation(desired => new HostSet(desired, options), NullLoggerFactory.Instance, TimeProvider.System);
        var outcome = await operation.RunAsync(new Application.ApplyRequest(InventoryPath) { Parallelism = 2, Options = plan ?? new PlanOptions() }, said.Add, CancellationToken.None);
        return (outcome.Plan, outcome, said);
    }

    /// <summary>Every file under the lab with its bytes and modification time, to prove that nothing changed.</summary>
    public IReadOnlyDictionary<string, (string Sha256, DateTime Modified)> Fingerprint() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(p => p != KnownHostsPath)
            .ToDictionary(p => p, p => (Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))), File.GetLastWriteTimeUtc(p)));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
