using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Tests.Support;

/// <summary>
/// A local lab folder with a pemstate.yaml: the PEM server's data dir and agents' cert dirs, as the
/// quickstart example lays them out. Runs the real pipeline (inventory, observation on the local
/// disk, planner, executor) with a fixed clock.
/// </summary>
internal sealed partial class Lab : IDisposable
{
    public static readonly DateTimeOffset Today = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public string Root { get; }
    public string InventoryPath => Path.Combine(Root, "pemstate.yaml");
    public string DataDir => Path.Combine(Root, "server", "data");

    /// <summary>server.state_dir: inside the lab, so that no test writes to /var/lib/pemstate.</summary>
    public string StateDir => Path.Combine(Root, "state");
    public string CertDir(int id) => Path.Combine(Root, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture), ".pem");
    public string AgentConfig(int id) => Path.Combine(Root, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "agent.cfg");
    public string RestartLog => Path.Combine(Root, "restarts.log");

    private Lab(string root) => Root = root;

    /// <param name="key">Inventory text for the server's and agents' keys, e.g. "{ algorithm: ecdsa, curve: p256 }".</param>
    /// <param name="caKey">The CA's key; default <paramref name="key"/> when that is RSA, else RSA 2048 (a self-signed CA must be
    /// RSA for PEM's sslutils, and 2048 keeps the tests fast).</param>
    public static Lab Create(int agents = 2, string user = "per-agent", string key = "{ algorithm: ecdsa, curve: p256 }", string? owner = null, string serverRestart = "echo server >> restarts.log", bool revokeRemoved = false, string? caKey = null, string agentRestart = "echo agent >> restarts.log")
    {
        caKey ??= key.Contains("algorithm: rsa", StringComparison.Ordinal) ? key : "{ algorithm: rsa, bits: 2048 }";
        var root = Directory.CreateTempSubdirectory("pemstate-lab-").FullName;
        var lab = new Lab(root);
        var list = string.Join("\n", Enumerable.Range(1, agents).Select(i => $"    - {{ id: {i}, host: pem }}"));
        var ownerLine = owner is null ? "" : $"  owner: {owner}\n";
        File.WriteAllText(lab.InventoryPath, $"""
            version: 1
            hosts:
              pem: {"{ transport: local }"}
            ca:
              source: self-signed
              subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca
              key: {caKey}
              validity: 3650d
              renew_before: 30d
            server:
              host: pem
              data_dir: server/data
              state_dir: state
              subject: /C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com
              key: {key}
              validity: 365d
              renew_before: 30d
              restart: {serverRestart}
            {ownerLine.TrimEnd('\n')}
            agents:
              user: {user}{(revokeRemoved ? "\n  revoke_removed: true" : "")}
              subject: /C=IN/ST=MH/L=Pune/O=PEM
              defaults:
                cert_dir: agents/{"{id}"}/.pem
                config: agents/{"{id}"}/agent.cfg
                restart: {agentRestart}
                key: {key}
                validity: 365d
                renew_before: 30d
              list:
            {list}
            """.Replace("\n\n", "\n", StringComparison.Ordinal) + "\n");
        return lab;
    }

    /// <summary>
    /// Lets <paramref name="account"/> own folders above the keys (hosts.pem.trusted_accounts), as an agent's OS user or
    /// postgres does on a real host; without it StrictModes refuses to write keys below that account's folders.
    /// </summary>
    public void TrustAccount(string account)
    {
        var text = File.ReadAllText(InventoryPath);
        Xunit.Assert.Contains("pem: { transport: local }", text, StringComparison.Ordinal);
        File.WriteAllText(InventoryPath, text.Replace("pem: { transport: local }", $"pem: {{ transport: local, trusted_accounts: [{account}] }}", StringComparison.Ordinal));
    }

    /// <summary>Takes an agent out of the inventory's list, as a person would by deleting its line.</summary>
    public void RemoveAgent(int id)
    {
        var text = File.ReadAllText(InventoryPath);
        var line = $"    - {{ id: {id}, host: pem }}\n";
        Xunit.Assert.Contains(line, text, StringComparison.Ordinal);
        File.WriteAllText(InventoryPath, text.Replace(line, "", StringComparison.Ordinal));
    }

    /// <summary>Sets agents.revoke_removed in the inventory.</summary>
    public void SetRevokeRemoved(bool on)
    {
        var text = File.ReadAllText(InventoryPath);
        text = text.Contains("revoke_removed:", StringComparison.Ordinal)
            ? text.Replace($"revoke_removed: {(on ? "false" : "true")}", $"revoke_removed: {(on ? "true" : "false")}", StringComparison.Ordinal)
            : text.Replace("agents:\n", $"agents:\n  revoke_removed: {(on ? "true" : "false")}\n", StringComparison.Ordinal);
        File.WriteAllText(InventoryPath, text);
    }

    public DesiredState Desired
    {
        get
        {
            var result = InventoryLoader.Load(InventoryPath);
            Xunit.Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
            return result.State!;
        }
    }

    /// <summary>
    /// Records every consumer as restarted on the files now on disk, as a person restarting them by hand after copying
    /// files: a test that puts files in place behind pemstate's back uses it when it means "and the servers run them".
    /// </summary>
    public async Task MarkRestartedAsync()
    {
        var desired = Desired;
        var observed = await ObserveAsync();
        var records = OwedRestarts.OnDisk(desired, observed);
        await using var hosts = new HostSet(desired);
        await new LoadedFiles(hosts[desired.Server.Host], LoadedFiles.PathFor(desired.Server)).BeginAsync(desired.Server.StateDir, records, Today, CancellationToken.None);
    }

    public async Task<ObservedState> ObserveAsync()
    {
        var desired = Desired;
        await using var hosts = new HostSet(desired);
        return await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
    }

    public async Task<Plan> PlanAsync(DateTimeOffset? now = null) => Planner.Create(Desired, await ObserveAsync(), now ?? Today);

    /// <summary>
    /// `pemstate apply --auto-approve` on the lab, through the library's apply operation (lock, re-observation, journal),
    /// as the command line runs it; it must succeed.
    /// </summary>
    public Task<(Plan Plan, ApplyResult Result)> ApplyAsync(DateTimeOffset? now = null, int parallelism = 2) =>
        ApplyInventoryAsync(InventoryPath, new FixedClock(now ?? Today), parallelism: parallelism);

    /// <summary>
    /// The apply operation on an inventory, as `pemstate apply --auto-approve` runs it; the integration labs use it too.
    /// <paramref name="mustSucceed"/>: it ended done or with nothing to do, else the failure names what was said and refused.
    /// </summary>
    internal static async Task<(Plan Plan, ApplyResult Result)> ApplyInventoryAsync(string inventory, TimeProvider clock, PlanOptions? options = null, bool mustSucceed = true, int parallelism = 2)
    {
        var said = new List<string>();
        var operation = new PemCertState.Application.ApplyOperation(desired => new HostSet(desired), NullLoggerFactory.Instance, clock);
        var outcome = await operation.RunAsync(new PemCertState.Application.ApplyRequest(inventory) { Parallelism = parallelism, Options = options ?? new PlanOptions() }, said.Add, CancellationToken.None);
        if (mustSucceed)
            Xunit.Assert.True(outcome.Status is PemCertState.Application.ApplyStatus.Done or PemCertState.Application.ApplyStatus.NothingToDo,
                $"apply ended {outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", (outcome.Result?.Failures ?? []).Select(f => f.ToString()))}\n{string.Join("\n", said)}\n{string.Join("\n", outcome.Plan?.Warnings ?? [])}\n{string.Join("\n", outcome.Plan?.Refusals ?? [])}");
        Xunit.Assert.True(outcome.Plan is not null, $"apply ended {outcome.Status} before planning:\n{string.Join("\n", said)}");
        return (outcome.Plan!, outcome.Result ?? new ApplyResult([], null, null, []));
    }

    /// <summary>Every file under the lab with its bytes and modification time, to prove that nothing changed.</summary>
    public IReadOnlyDictionary<string, (string Sha256, DateTime Modified)> Fingerprint() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .ToDictionary(p => p, p => (PemCertState.Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(p)), File.GetLastWriteTimeUtc(p)));

    /// <summary>Text with the lab's random folder, serials and fingerprints replaced, for snapshots.</summary>
    public string Normalize(string text)
    {
        text = text.Replace(Root, "/lab", StringComparison.Ordinal);
        text = Sha256Pattern().Replace(text, "<sha256>");
        return SerialPattern().Replace(text, "serial <serial>");
    }

    [GeneratedRegex("([0-9A-F]{2}:){31}[0-9A-F]{2}")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("serial [0-9A-F]+")]
    private static partial Regex SerialPattern();

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
