using System.Diagnostics;
using PemCertState.Application;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// Over SSH an agent's key, its pair switch and its agent.cfg edit reach the host as a few batches of the remote file
/// program. Here that program is killed (SIGKILL) on the agent's host right after it renames one managed file into place,
/// held there by strace so that nothing after the rename runs: a host that died, or a connection cut, inside a batch. The
/// apply that meets it fails that agent; the next plain apply converges, with no staged copy left and every pair whole.
/// </summary>
[Trait("Category", "Crash")]
public sealed class RemoteBatchCrashTests(SshdFixture sshd, ITestOutputHelper output) : IClassFixture<SshdFixture>
{
    /// <summary>How long strace holds the program after the rename: the test kills it well before.</summary>
    private const int HoldMicroseconds = 5_000_000;

    public static TheoryData<string, string> Points => new()
    {
        // A fresh agent: its key made under the staged name, then one batch: the key copied to its live name, the
        // certificate written, the staged key removed, agent.cfg pointed at the pair.
        { "fresh", "agent2.key.next" },
        { "fresh", "agent2.key" },
        { "fresh", "agent2.crt" },
        { "fresh", "agent.cfg" },
        // A certificate lost while agent.cfg names the pair: agent.cfg is pointed at the staged pair, the live names
        // replaced, agent.cfg given its own text back, the staged pair removed.
        { "replace", "agent.cfg" },
        { "replace", "agent2.key" },
        { "replace", "agent2.crt" },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_remote_batch_killed_after_any_rename_converges_on_the_next_apply(string scenario, string renamed)
    {
        // Given a server host and an agent host whose python3 runs under strace while armed
        using var bin = new WrapperFolder();
        var hosts = new[] { sshd.Start($"{scenario}0"), sshd.Start($"{scenario}1", path: $"{bin.Path}:/usr/bin:/bin") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        var desired = lab.Desired;
        var agent = desired.Agents.List.Single(a => a.Host == hosts[1].Name);
        var folder = renamed == "agent.cfg" ? Path.GetDirectoryName(agent.Config)! : Path.GetDirectoryName(Inventory.PemFiles.AgentKey(desired.Agents, agent))!;
        var target = Path.Combine(folder, renamed);
        if (scenario == "replace")
        {
            Assert.Equal(ApplyStatus.Done, (await lab.ApplyOperationAsync(new SshOptions())).Outcome.Status);
            File.Delete(Inventory.PemFiles.AgentCertificate(desired.Agents, agent));
        }

        // When the apply runs and the agent host's program is killed right after it renames the file into place
        bin.Arm(Path.GetFileName(target));
        var before = Identity(target);
        var applying = lab.ApplyOperationAsync(new SshOptions());
        var landed = false;
        var deadline = Stopwatch.StartNew();
        while (!applying.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (Identity(target) != before)
            {
                landed = bin.KillHeld();
                break;
            }
            await Task.Delay(5);
        }
        bin.Disarm();
        var (_, outcome, said) = await applying;

        // Then the kill landed inside the batch, and that apply did not claim success
        Assert.True(landed, $"{scenario}/{renamed}: no rename of {target} was held ({outcome.Status})\n{string.Join("\n", said)}");
        Assert.NotEqual(ApplyStatus.Done, outcome.Status);
        output.WriteLine($"{scenario}/{renamed}: killed; the apply ended {outcome.Status}: {outcome.Result?.Failure}");

        // When applied again, as a person would: it converges, nothing is left to do, no staged copy is left, every pair is whole
        var (_, again, againSaid) = await lab.ApplyOperationAsync(new SshOptions());
        Assert.True(again.Status is ApplyStatus.Done or ApplyStatus.NothingToDo, $"{again.Status}: {again.Result?.Failure}\n{string.Join("\n", againSaid)}");
        Assert.True((await lab.PlanAsync()).IsEmpty);
        KeysBornOnHostTests.AssertChainsAndPairs(lab, desired);
        var config = File.ReadAllText(agent.Config);
        Assert.Contains(Inventory.PemFiles.AgentCertificate(desired.Agents, agent), config, StringComparison.Ordinal);
        Assert.DoesNotContain(".next", config, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.Root, ".pemstate-*", SearchOption.AllDirectories));
    }

    private static string Identity(string file)
    {
        try { return $"{File.GetLastWriteTimeUtc(file).Ticks} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)))}"; }
        catch (IOException) { return "missing"; }
    }

    /// <summary>
    /// A folder put first on the agent host's PATH, with a python3 that, while armed, runs the real one under strace, which
    /// holds it right after it renames the armed name (renameat's name argument, as RemoteFiles.py writes it in a held folder).
    /// </summary>
    private sealed class WrapperFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pemstate-crashbin-").FullName;
        private string Armed => System.IO.Path.Combine(Path, "armed");
        private string Pid => System.IO.Path.Combine(Path, "strace.pid");

        public WrapperFolder()
        {
            File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("755", 8));
            var python = System.IO.Path.Combine(Path, "python3");
            File.WriteAllText(python, $"""
                #!/bin/sh
                if [ -s {Armed} ]; then
                  echo $$ > {Pid}
                  exec strace -f -qq -o /dev/null -P "$(cat {Armed})" -e trace=renameat,renameat2 -e inject=renameat,renameat2:delay_exit={HoldMicroseconds} /usr/bin/python3 "$@"
                fi
                exec /usr/bin/python3 "$@"

                """);
            File.SetUnixFileMode(python, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        public void Arm(string name) => File.WriteAllText(Armed, name);

        public void Disarm() => File.Delete(Armed);

        /// <summary>SIGKILL to the program strace holds (and anything else it traces); true when there was one.</summary>
        public bool KillHeld()
        {
            if (!File.Exists(Pid) || !int.TryParse(File.ReadAllText(Pid).Trim(), out var strace)) return false;
            var killed = false;
            foreach (var child in Children(strace))
            {
                try
                {
                    using var tracee = Process.GetProcessById(child);
                    tracee.Kill();
                    killed = true;
                }
                catch (ArgumentException) { }
                catch (InvalidOperationException) { }
            }
            return killed;
        }

        private static List<int> Children(int pid)
        {
            try
            {
                return [.. Directory.EnumerateDirectories($"/proc/{pid}/task")
                    .SelectMany(task => File.ReadAllText(System.IO.Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(int.Parse)];
            }
            catch (IOException) { return []; }
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }
}
