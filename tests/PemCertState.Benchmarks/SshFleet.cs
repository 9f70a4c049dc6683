using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Benchmarks;

/// <summary>
/// A fleet on real OpenSSH: <c>hosts</c> sshd processes on loopback (random ports, own host keys, key login as
/// root), each standing for one machine with its own folder; the PEM server on the first, agents spread over all
/// of them in turn, per-agent mode, every file and every restart reached through exec sessions.
/// Sessions get an empty HOME: sshd runs each command through the login shell, and bash then reads ~/.bashrc,
/// which on this machine runs `pyenv rehash` (seconds under load) before every command. A real host's shell
/// starts in milliseconds; the benchmark measures pemstate, not this machine's dotfiles.
/// With <c>count</c>, every sshd logs at VERBOSE into its own file (sshd -E), which names every session it starts
/// ("Starting session: command for root ..." / "subsystem 'sftp' ..."): the remote commands each host ran,
/// counted by the server side and not by pemstate. Only the log level differs; the client sees the same sshd.
/// </summary>
internal sealed class SshFleet : IDisposable
{
    private readonly List<Process> _sshd = [];
    private readonly List<int> _ports = [];
    private readonly bool _keep;

    public string Root { get; }
    public int Hosts { get; }
    public int Agents { get; }
    public string InventoryPath => Path.Combine(Root, "pemstate.yaml");
    public string ClientKey => Path.Combine(Root, "client_ed25519");
    public string KnownHosts => Path.Combine(Root, "known_hosts");

    private SshFleet(string root, int hosts, int agents, bool keep)
    {
        Root = root;
        Hosts = hosts;
        Agents = agents;
        _keep = keep;
    }

    /// <summary>The fleet of the ssh scenario: every key P-256, converged by an apply in process.</summary>
    public static async Task<SshFleet> CreateConvergedAsync(int hosts, int agents, bool keep)
    {
        var fleet = CreateEmpty(hosts, agents, "p256", count: false, keep);
        try
        {
            await fleet.ConvergeAsync();
            return fleet;
        }
        catch
        {
            fleet.Dispose();
            throw;
        }
    }

    /// <summary>The sshd hosts running and pemstate.yaml written; nothing of PEM's on any host yet.</summary>
    public static SshFleet CreateEmpty(int hosts, int agents, string key, bool count, bool keep)
    {
        var sshd = File.Exists("/usr/sbin/sshd") ? "/usr/sbin/sshd"
            : throw new InvalidOperationException("the ssh scenario needs OpenSSH's sshd: apt-get install -y openssh-server openssh-client");
        // sshd's privilege separation folder: a machine where no sshd ever ran (a fresh CI container) lacks it, and every
        // sshd then exits at once. The integration tests' fixture makes it too; whichever runs first on a clean machine.
        if (!Directory.Exists("/run/sshd")) Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var fleet = new SshFleet(Directory.CreateTempSubdirectory($"pemstate-bench-ssh-{hosts}x{agents}-{key}-").FullName, hosts, agents, keep);
        try
        {
            var clientKey = fleet.ClientKey;
            Tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", clientKey);
            var authorized = Path.Combine(fleet.Root, "authorized_keys");
            File.Copy(clientKey + ".pub", authorized);
            var knownHosts = new StringBuilder();
            var yaml = new StringBuilder("version: 1\nhosts:\n");
            for (var h = 0; h < hosts; h++)
            {
                var folder = Path.Combine(fleet.Root, $"h{h}");
                Directory.CreateDirectory(folder);
                var hostKey = Path.Combine(folder, "ssh_host_ed25519_key");
                Tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
                var port = FreePort();
                Directory.CreateDirectory(Path.Combine(folder, "home"));
                var config = Path.Combine(folder, "sshd_config");
                File.WriteAllText(config, $"""
                    Port {port}
                    ListenAddress 127.0.0.1
                    HostKey {hostKey}
                    PidFile {Path.Combine(folder, "sshd.pid")}
                    AuthorizedKeysFile {authorized}
                    PermitRootLogin prohibit-password
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    StrictModes no
                    UsePAM no
                    MaxStartups 200
                    MaxSessions 200
                    LogLevel {(count ? "VERBOSE" : "ERROR")}
                    Subsystem sftp internal-sftp
                    SetEnv HOME={Path.Combine(folder, "home")}

                    """);
                var start = new ProcessStartInfo(sshd) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in count ? new[] { "-D", "-E", Path.Combine(folder, "sshd.log"), "-f", config } : ["-D", "-e", "-f", config])
                    start.ArgumentList.Add(a);
                fleet._sshd.Add(Process.Start(start) ?? throw new InvalidOperationException("sshd did not start"));
                WaitForBanner(port);
                fleet._ports.Add(port);
                var publicKey = File.ReadAllText(hostKey + ".pub").Split(' ');
                knownHosts.Append(CultureInfo.InvariantCulture, $"[127.0.0.1]:{port} {publicKey[0]} {publicKey[1]}\n");
                yaml.Append(CultureInfo.InvariantCulture, $"  h{h}:\n    transport: ssh\n    address: 127.0.0.1\n    port: {port}\n    user: root\n");
                yaml.Append(CultureInfo.InvariantCulture, $"    identity_file: {clientKey}\n    known_hosts: {Path.Combine(fleet.Root, "known_hosts")}\n");
            }
            File.WriteAllText(Path.Combine(fleet.Root, "known_hosts"), knownHosts.ToString());
            // One kind of key for all, the CA too; a P-256 CA says that nothing of PEM's signs with it (refused otherwise).
            var k = Fleet.KeyYaml(key);
            var optOut = key == "p256" ? "\n  sslutils_compatible: false" : "";
            yaml.Append(CultureInfo.InvariantCulture, $"""
                ca:
                  source: self-signed
                  subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca
                  key: {k}{optOut}
                server:
                  host: h0
                  data_dir: {fleet.Root}/h0/server/data
                  state_dir: {fleet.Root}/h0/state
                  subject: /C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com
                  key: {k}
                  restart: "true"
                agents:
                  user: per-agent
                  subject: /C=IN/ST=MH/L=Pune/O=PEM
                  defaults:
                    restart: "true"
                    key: {k}
                  list:

                """);
            for (var id = 1; id <= agents; id++)
            {
                var host = (id - 1) % hosts;
                yaml.Append(CultureInfo.InvariantCulture,
                    $"    - {{ id: {id}, host: h{host}, cert_dir: {fleet.Root}/h{host}/agents/{id}/.pem, config: {fleet.Root}/h{host}/agents/{id}/agent.cfg }}\n");
            }
            File.WriteAllText(fleet.InventoryPath, yaml.ToString());
            return fleet;
        }
        catch
        {
            fleet.Dispose();
            throw;
        }
    }

    private async Task ConvergeAsync()
    {
        var loaded = InventoryLoader.Load(InventoryPath);
        if (!loaded.IsValid) throw new InvalidOperationException(string.Join("\n", loaded.Diagnostics));
        var desired = loaded.State!;
        await Fleet.ApplyAsCliAsync(InventoryPath, "ssh lab");
        await using (var hosts = new HostSet(desired))
        {
            var again = Planner.Create(desired, await new Observer(hosts).ObserveAsync(desired, CancellationToken.None), DateTimeOffset.UtcNow);
            if (!again.IsEmpty) throw new InvalidOperationException($"ssh lab not converged after apply: {again.Steps.Count} steps left");
        }
    }

    /// <summary>Back to an empty fleet: everything pemstate made (agents' files, the server's data and state) removed.</summary>
    public void Reset()
    {
        for (var h = 0; h < Hosts; h++)
        {
            var agents = Path.Combine(Root, $"h{h}", "agents");
            if (Directory.Exists(agents)) Directory.Delete(agents, recursive: true);
        }
        foreach (var made in new[] { "server", "state" })
        {
            var folder = Path.Combine(Root, "h0", made);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>How far every host's sshd log has got: pass it to <see cref="SessionsSince"/>.</summary>
    public long[] Mark() => Enumerable.Range(0, Hosts).Select(h => new FileInfo(LogOf(h)) is { Exists: true } f ? f.Length : 0L).ToArray();

    /// <summary>
    /// Per host, what its sshd logged since <paramref name="mark"/>: logins accepted, exec sessions (remote commands)
    /// and SFTP sessions. sshd writes the line when it starts the session, so the client's run having ended is enough.
    /// </summary>
    public IReadOnlyList<HostSessions> SessionsSince(long[] mark)
    {
        var result = new List<HostSessions>(Hosts);
        for (var h = 0; h < Hosts; h++)
        {
            int logins = 0, commands = 0, sftp = 0;
            using var stream = new FileStream(LogOf(h), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(mark[h], SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains("Accepted publickey for ", StringComparison.Ordinal)) logins++;
                else if (line.Contains("Starting session: subsystem 'sftp'", StringComparison.Ordinal)) sftp++;
                else if (line.Contains("Starting session: ", StringComparison.Ordinal)) commands++;
            }
            result.Add(new HostSessions(logins, commands, sftp));
        }
        return result;
    }

    private string LogOf(int host) => Path.Combine(Root, $"h{host}", "sshd.log");

    /// <summary>
    /// The transport floor: OpenSSH's own client runs `true` once on every host, <paramref name="parallelism"/> at a
    /// time (a new connection each: key exchange, login, one exec session), as a fan-out tool would. Seconds of wall time.
    /// </summary>
    public double OpenSshFanOut(int parallelism)
    {
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(_ports, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, port =>
            Child.RunChecked("ssh", ["-o", "BatchMode=yes", "-i", ClientKey, "-o", $"UserKnownHostsFile={KnownHosts}",
                "-o", "StrictHostKeyChecking=yes", "-p", port.ToString(CultureInfo.InvariantCulture), "root@127.0.0.1", "true"]));
        return watch.Elapsed.TotalSeconds;
    }

    private static void Tool(string file, params string[] arguments)
    {
        var run = Child.Run(file, arguments);
        if (run.ExitCode != 0) throw new InvalidOperationException($"{file} exited with {run.ExitCode}: {run.Stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void WaitForBanner(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 2000;
                var buffer = new byte[16];
                if (stream.Read(buffer) > 0) return;
            }
            catch (SocketException) { }
            catch (IOException) { }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"sshd on port {port} did not answer within 15 s");
    }

    public void Dispose()
    {
        foreach (var process in _sshd)
        {
            try { if (!process.HasExited) { process.Kill(); process.WaitForExit(5000); } }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        if (_keep) return;
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>What one sshd logged for one run: logins accepted, exec sessions (remote commands), SFTP sessions.</summary>
internal sealed record HostSessions(int Logins, int Commands, int Sftp)
{
    public int Sessions => Commands + Sftp;
}
