using System.Collections.Concurrent;
using System.Text;
using PemCertState.Application;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// Keys born where they live, over real sshd: every private key of a host reached over SSH (the CA's on the server's host
/// included) is made there by its own openssl, certificates are signed there, backups and installs copy keys there; the
/// bytes of every SSH session are watched, and no private key ever crosses. A no-op costs one remote command per host.
/// </summary>
public sealed class KeysBornOnHostTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task Every_key_is_made_on_its_host_signed_there_and_never_crosses_the_network_through_renewal_and_rotation()
    {
        // Given a server and three agents on three sshd hosts, every byte of every SSH session watched
        var hosts = new[] { sshd.Start("born0"), sshd.Start("born1"), sshd.Start("born2") };
        using var lab = SshLab.Create(sshd, hosts, agents: 3);
        var wire = new ConcurrentQueue<(string Host, bool Sent, byte[] Bytes)>();
        var options = new SshOptions { Wire = (host, sent, bytes) => wire.Enqueue((host, sent, bytes.ToArray())) };

        // When the fleet is applied fresh
        var (plan, outcome, said) = await lab.ApplyOperationAsync(options);

        // Then it converged, each key was asked of its own host (CA and server on born0, agent N on its host), and no key crossed
        Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        var desired = lab.Desired;
        var keys = KeyFiles(lab, desired);
        Assert.Equal(5, keys.Count);
        Assert.Equal(["born0", "born0", "born0", "born1", "born2"], GenerateRequests(wire).Order(StringComparer.Ordinal));
        AssertNoKeyCrossed(wire, keys.Values);
        AssertChainsAndPairs(lab, desired);

        // When agent 1's certificate is lost: its pair is backed up and replaced
        var oldKey = File.ReadAllBytes(keys["agent 1"]);
        File.Delete(PemFiles.AgentCertificate(desired.Agents, desired.Agents.List[0]));
        wire.Clear();
        (_, outcome, said) = await lab.ApplyOperationAsync(options);

        // Then the backup holds the old key, copied on its host; the new key was made there; still nothing crossed
        Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        var backup = Assert.Single(Directory.EnumerateFiles(PemFiles.AgentBackupDir(desired.Agents.List[0]), "agent1.key", SearchOption.AllDirectories));
        Assert.Equal(oldKey, File.ReadAllBytes(backup));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        Assert.NotEqual(oldKey, File.ReadAllBytes(keys["agent 1"]));
        Assert.Equal(["born0"], GenerateRequests(wire)); // agent 1 lives on born0
        AssertNoKeyCrossed(wire, [.. keys.Values, backup]);
        AssertChainsAndPairs(lab, desired);

        // When the CA is rotated: a new CA key made on the server's host, every certificate signed there by it
        var oldCa = File.ReadAllBytes(keys["ca"]);
        wire.Clear();
        (plan, outcome, said) = await lab.ApplyOperationAsync(options, new PlanOptions { RotateCa = true });
        Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        for (var phase = 0; phase < 3 && !(await lab.PlanAsync()).IsEmpty; phase++)
        {
            (_, outcome, said) = await lab.ApplyOperationAsync(options);
            Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        }

        // Then the CA key changed, the old one is only in the server's backup, every chain verifies, and no key crossed
        Assert.NotEqual(oldCa, File.ReadAllBytes(keys["ca"]));
        Assert.Contains("born0", GenerateRequests(wire));
        var backups = Directory.EnumerateFiles(lab.Root, "*.key*", SearchOption.AllDirectories).Where(p => p.Contains("backup", StringComparison.Ordinal)).ToList();
        AssertNoKeyCrossed(wire, [.. keys.Values, .. backups]);
        AssertChainsAndPairs(lab, desired);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task With_a_trusted_ca_each_pending_key_is_made_on_its_host_its_request_signed_there_and_the_signed_pair_installed_there()
    {
        // Given a converged fleet on two sshd hosts, then switched to an external CA (examples/trusted-ca/external-ca.sh)
        var hosts = new[] { sshd.Start("trust0"), sshd.Start("trust1") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        var wire = new ConcurrentQueue<(string Host, bool Sent, byte[] Bytes)>();
        var options = new SshOptions { Wire = (host, sent, bytes) => wire.Enqueue((host, sent, bytes.ToArray())) };
        Assert.Equal(ApplyStatus.Done, (await lab.ApplyOperationAsync(options)).Outcome.Status);
        ExternalCa.Run(lab.Root, "init");
        var inventory = File.ReadAllText(lab.InventoryPath);
        var selfSigned = inventory[inventory.IndexOf("ca:\n", StringComparison.Ordinal)..inventory.IndexOf("server:\n", StringComparison.Ordinal)];
        File.WriteAllText(lab.InventoryPath, inventory.Replace(selfSigned, "ca:\n  source: trusted\n  certificate: trusted/ca.crt\n  crl: trusted/ca.crl\n", StringComparison.Ordinal));

        // When pemstate applies: pending keys and requests
        wire.Clear();
        var (_, waiting, said) = await lab.ApplyOperationAsync(options);

        // Then each pending key was made on its own host, each request's public key is that key's, and no key crossed
        Assert.True(waiting.Status == ApplyStatus.Done, $"{waiting.Status}: {waiting.Result?.Failure}\n{string.Join("\n", said)}");
        Assert.Equal(["trust0", "trust0", "trust1"], GenerateRequests(wire).Order(StringComparer.Ordinal));
        var desired = lab.Desired;
        var pending = new Dictionary<string, string>
        {
            ["server.csr"] = PendingFiles.ServerKey(desired.Server),
            ["agent1.csr"] = PendingFiles.AgentKey(desired.Agents, desired.Agents.List[0]),
            ["agent2.csr"] = PendingFiles.AgentKey(desired.Agents, desired.Agents.List[1]),
        };
        foreach (var (request, key) in pending)
            Assert.Equal(SshOpenSsl.Run("pkey", "-in", key, "-pubout").Output, SshOpenSsl.Run("req", "-in", Path.Combine(lab.Root, "csr", request), "-noout", "-pubkey").Output);
        AssertNoKeyCrossed(wire, pending.Values);

        // When the CA signs them and pemstate applies again
        var pendingKeys = pending.Values.ToDictionary(p => p, File.ReadAllBytes);
        ExternalCa.Run(lab.Root, "sign");
        wire.Clear();
        var (_, installed, saidAgain) = await lab.ApplyOperationAsync(options);

        // Then the pending keys are the live keys now (copied on their hosts), each chain verifies against the trusted root, and no key crossed
        Assert.True(installed.Status == ApplyStatus.Done, $"{installed.Status}: {installed.Result?.Failure}\n{string.Join("\n", saidAgain)}");
        Assert.Empty(GenerateRequests(wire));
        var live = new[] { Path.Combine(lab.DataDir, PemFiles.ServerKey), PemFiles.AgentKey(desired.Agents, desired.Agents.List[0]), PemFiles.AgentKey(desired.Agents, desired.Agents.List[1]) };
        Assert.Equal(pendingKeys.Values.Select(Convert.ToBase64String).Order(), live.Select(File.ReadAllBytes).Select(Convert.ToBase64String).Order());
        Assert.All(pending.Values, p => Assert.False(File.Exists(p)));
        AssertNoKeyCrossed(wire, live);
        var root = Path.Combine(lab.DataDir, PemFiles.RootBundle);
        string[] certificates = [Path.Combine(lab.DataDir, PemFiles.ServerCertificate), .. desired.Agents.List.Select(a => PemFiles.AgentCertificate(desired.Agents, a))];
        foreach (var certificate in certificates)
        {
            var (exit, output) = SshOpenSsl.Run("verify", "-CAfile", root, certificate);
            Assert.True(exit == 0, $"{certificate}: {output}");
        }
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task In_common_user_mode_the_one_shared_key_is_the_only_key_that_moves_and_every_agent_holds_it()
    {
        // Given per-agent agents on two sshd hosts, converged, then switched to PEM's common-user mode (one key for all)
        var hosts = new[] { sshd.Start("common0"), sshd.Start("common1") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        Assert.Equal(ApplyStatus.Done, (await lab.ApplyOperationAsync(new SshOptions())).Outcome.Status);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("user: per-agent", "user: common", StringComparison.Ordinal));
        var wire = new ConcurrentQueue<(string Host, bool Sent, byte[] Bytes)>();

        // When applied: a new common pair, sent to both agents' hosts
        var (_, outcome, said) = await lab.ApplyOperationAsync(new SshOptions { Wire = (host, sent, bytes) => wire.Enqueue((host, sent, bytes.ToArray())) });

        // Then both agents hold the same pair, which verifies; the shared key went out (PEM's design), and the server's and CA's keys never did
        Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        var desired = lab.Desired;
        var keys = desired.Agents.List.Select(a => File.ReadAllBytes(PemFiles.AgentKey(desired.Agents, a))).ToList();
        Assert.Equal(keys[0], keys[1]);
        Assert.Equal(File.ReadAllBytes(PemFiles.AgentCertificate(desired.Agents, desired.Agents.List[0])), File.ReadAllBytes(PemFiles.AgentCertificate(desired.Agents, desired.Agents.List[1])));
        AssertNoKeyCrossed(wire, [Path.Combine(lab.DataDir, PemFiles.CaKey), Path.Combine(lab.DataDir, PemFiles.ServerKey)], sharedKeyMoves: true);
        Assert.Contains(wire, w => w.Sent && w.Bytes.AsSpan().IndexOf(keys[0]) >= 0);
        AssertChainsAndPairs(lab, desired);

        // When one agent loses its copy: the other agent's copy (on the other host) is read and sent, the one key that moves
        File.Delete(PemFiles.AgentKey(desired.Agents, desired.Agents.List[1]));
        (_, outcome, said) = await lab.ApplyOperationAsync(new SshOptions());

        // Then it holds the same key again, and nothing is left to do
        Assert.True(outcome.Status == ApplyStatus.Done, $"{outcome.Status}: {outcome.Result?.Failure}\n{string.Join("\n", said)}");
        Assert.Equal(keys[0], File.ReadAllBytes(PemFiles.AgentKey(desired.Agents, desired.Agents.List[1])));
        AssertChainsAndPairs(lab, desired);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_no_op_apply_costs_one_remote_command_per_host()
    {
        // Given a converged fleet on three sshd hosts
        var hosts = new[] { sshd.Start("noop0"), sshd.Start("noop1"), sshd.Start("noop2") };
        using var lab = SshLab.Create(sshd, hosts, agents: 3);
        var fresh = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var freshBatches = new ConcurrentQueue<string>();
        var (_, first, said) = await lab.ApplyOperationAsync(new SshOptions
        {
            CommandRun = host => fresh.AddOrUpdate(host, 1, (_, n) => n + 1),
            Wire = (host, sent, bytes) => { if (sent) freshBatches.Enqueue($"{host}: {Requests(bytes.Span)}"); },
        });
        Assert.True(first.Status == ApplyStatus.Done, $"{first.Status}: {first.Result?.Failure}\n{string.Join("\n", said)}");
        // The fresh apply, on a host with one agent and nothing else: observed once (approved, and no other run since), its key
        // made, the pair switched and agent.cfg edited from what the observation read (one batch), the restart: 4 remote
        // commands, issue 22's figure (9 before: a second observation, agent.cfg read twice, what the agent will load read)
        foreach (var agentHost in new[] { "noop1", "noop2" })
            Assert.True(fresh[agentHost] <= 4, $"{agentHost}: {fresh[agentHost]} remote commands; batches sent:\n{string.Join("\n", freshBatches)}");

        // When apply runs again, remote commands counted per host as they start
        var commands = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var batches = new ConcurrentQueue<string>();
        var (_, outcome, _) = await lab.ApplyOperationAsync(new SshOptions
        {
            CommandRun = host => commands.AddOrUpdate(host, 1, (_, n) => n + 1),
            Wire = (host, sent, bytes) => { if (sent) batches.Enqueue($"{host}: {Requests(bytes.Span)}"); },
        });

        // Then nothing was to do, and each host was asked once: everything observed in one batch
        Assert.Equal(ApplyStatus.NothingToDo, outcome.Status);
        var counts = commands.Select(c => $"{c.Key}={c.Value}").Order(StringComparer.Ordinal).ToList();
        Assert.True(counts.SequenceEqual(["noop0=1", "noop1=1", "noop2=1"]), $"{string.Join(", ", counts)}; batches sent:\n{string.Join("\n", batches)}");
    }

    /// <summary>Every private key the inventory places on a host, by address.</summary>
    private static Dictionary<string, string> KeyFiles(SshLab lab, DesiredState desired)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ca"] = Path.Combine(lab.DataDir, PemFiles.CaKey),
            ["server"] = Path.Combine(lab.DataDir, PemFiles.ServerKey),
        };
        foreach (var agent in desired.Agents.List) keys[$"agent {agent.Id}"] = PemFiles.AgentKey(desired.Agents, agent);
        return keys;
    }

    /// <summary>The host of every genkey request sent, in the order sent.</summary>
    private static List<string> GenerateRequests(IEnumerable<(string Host, bool Sent, byte[] Bytes)> wire) =>
        [.. wire.Where(w => w.Sent).SelectMany(w => Enumerable.Repeat(w.Host, Count(w.Bytes, "\"op\":\"genkey\"")))];

    /// <summary>
    /// No session carried a private key, either way: no PEM private-key label, and none of the bytes of any key file on disk
    /// (its PEM, its DER, or any 64-character line of its base64).
    /// </summary>
    /// <param name="sharedKeyMoves">PEM's common-user mode: the one shared key is sent, so a private-key label may pass; the files named still may not.</param>
    private static void AssertNoKeyCrossed(IEnumerable<(string Host, bool Sent, byte[] Bytes)> wire, IEnumerable<string> keyFiles, bool sharedKeyMoves = false)
    {
        var needles = new List<(string What, byte[] Bytes)>();
        foreach (var file in keyFiles)
        {
            var pem = File.ReadAllText(file);
            needles.Add(($"{file} (PEM)", Encoding.ASCII.GetBytes(pem)));
            var body = pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
            needles.Add(($"{file} (DER)", Convert.FromBase64String(string.Concat(body))));
            needles.AddRange(body.Where(l => l.Length == 64).Select(l => ($"{file} (a base64 line)", Encoding.ASCII.GetBytes(l))));
        }
        var sessions = wire.ToList();
        Assert.NotEmpty(sessions);
        foreach (var (host, sent, bytes) in sessions)
        {
            Assert.True(sharedKeyMoves || Count(bytes, "PRIVATE KEY") == 0, $"a private key label {(sent ? "went to" : "came from")} {host}");
            foreach (var (what, needle) in needles)
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{what} {(sent ? "went to" : "came from")} {host}");
        }
    }

    internal static void AssertChainsAndPairs(SshLab lab, DesiredState desired)
    {
        var root = Path.Combine(lab.DataDir, PemFiles.RootBundle);
        var pairs = new List<(string Key, string Certificate)>
        {
            (Path.Combine(lab.DataDir, PemFiles.CaKey), Path.Combine(lab.DataDir, PemFiles.CaCertificate)),
            (Path.Combine(lab.DataDir, PemFiles.ServerKey), Path.Combine(lab.DataDir, PemFiles.ServerCertificate)),
        };
        pairs.AddRange(desired.Agents.List.Select(a => (PemFiles.AgentKey(desired.Agents, a), PemFiles.AgentCertificate(desired.Agents, a))));
        foreach (var (key, certificate) in pairs)
        {
            var (exit, output) = SshOpenSsl.Run("verify", "-CAfile", root, certificate);
            Assert.True(exit == 0, $"{certificate}: {output}");
            Assert.Equal(SshOpenSsl.Run("pkey", "-in", key, "-pubout").Output, SshOpenSsl.Run("x509", "-in", certificate, "-noout", "-pubkey").Output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
        Assert.Empty(Directory.EnumerateFiles(lab.Root, "*" + PemCertState.Inventory.StagedFiles.Suffix, SearchOption.AllDirectories));
    }

    /// <summary>The operations and paths of one batch sent to a host's file program, for a failure message.</summary>
    private static string Requests(ReadOnlySpan<byte> batch)
    {
        var parts = new List<string>();
        while (batch.Length >= 4)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(batch);
            if (length == 0 || length > batch.Length - 4) break;
            using var header = System.Text.Json.JsonDocument.Parse(batch.Slice(4, length).ToArray());
            var root = header.RootElement;
            parts.Add($"{root.GetProperty("op").GetString()} {root.GetProperty("path").GetString()}");
            batch = batch[(4 + length + (root.TryGetProperty("size", out var size) ? size.GetInt32() : 0))..];
        }
        return string.Join(", ", parts);
    }

    private static int Count(byte[] haystack, string needle)
    {
        var pattern = Encoding.ASCII.GetBytes(needle);
        var (count, from) = (0, 0);
        while (from < haystack.Length && haystack.AsSpan(from).IndexOf(pattern) is var at and >= 0)
        {
            count++;
            from += at + pattern.Length;
        }
        return count;
    }
}
