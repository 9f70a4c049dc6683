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
/// of them in turn, per-agent mode, every file reached over SFTP and every restart over exec.
/// Sessions get an empty HOME: sshd runs each command through the login shell, and bash then reads ~/.bashrc,
/// which on this machine runs `pyenv rehash` (seconds under load) before every command. A real host's shell
/// starts in milliseconds; the benchmark measures pemstate, not this machine's dotfiles.
/// </summary>
internal sealed class SshFleet : IDisposable
{
    private readonly List<Process> _sshd = [];
    private readonly bool _keep;

    public string Root { get; }
    public int Hosts { get; }
    public int Agents { get; }
    public string InventoryPath => Path.Combine(Root, "pemstate.yaml");

    private SshFleet(string root, int hosts, int agents, bool keep)
    {
        Root = root;
        Hosts = hosts;
        Agents = agents;
        _keep = keep;
    }

    public static async Task<SshFleet> CreateConvergedAsync(int hosts, int agents, bool keep)
    {
        var sshd = File.Exists("/usr/sbin/sshd") ? "/usr/sbin/sshd"
            : throw new InvalidOperationException("the ssh scenario needs OpenSSH's sshd: apt-get install -y openssh-server openssh-client");
        var fleet = new SshFleet(Directory.CreateTempSubdirectory($"pemstate-bench-ssh-{agents}-").FullName, hosts, agents, keep);
        try
        {
            var clientKey = Path.Combine(fleet.Root, "client_ed25519");
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
                    LogLevel ERROR
                    Subsystem sftp internal-sftp
                    SetEnv HOME={Path.Combine(folder, "home")}

                    """);
                var start = new ProcessStartInfo(sshd) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(a);
                fleet._sshd.Add(Process.Start(start) ?? throw new InvalidOperationException("sshd did not start"));
                WaitForBanner(port);
                var publicKey = File.ReadAllText(hostKey + ".pub").Split(' ');
                knownHosts.Append(CultureInfo.InvariantCulture, $"[127.0.0.1]:{port} {publicKey[0]} {publicKey[1]}\n");
                yaml.Append(CultureInfo.InvariantCulture, $"  h{h}:\n    transport: ssh\n    address: 127.0.0.1\n    port: {port}\n    user: root\n");
                yaml.Append(CultureInfo.InvariantCulture, $"    identity_file: {clientKey}\n    known_hosts: {Path.Combine(fleet.Root, "known_hosts")}\n");
            }
            File.WriteAllText(Path.Combine(fleet.Root, "known_hosts"), knownHosts.ToString());
            // Every key P-256, the CA too, as the SSH benchmark has always measured it; nothing of PEM's signs with this CA.
            const string Key = "{ algorithm: ecdsa, curve: p256 }";
            yaml.Append(CultureInfo.InvariantCulture, $"""
                ca:
                  source: self-signed
                  subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca
                  key: {Key}
                  sslutils_compatible: false
                server:
                  host: h0
                  data_dir: {fleet.Root}/h0/server/data
                  state_dir: {fleet.Root}/h0/state
                  subject: /C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com
                  key: {Key}
                  restart: "true"
                agents:
                  user: per-agent
                  subject: /C=IN/ST=MH/L=Pune/O=PEM
                  defaults:
                    restart: "true"
                    key: {Key}
                  list:

                """);
            for (var id = 1; id <= agents; id++)
            {
                var host = (id - 1) % hosts;
                yaml.Append(CultureInfo.InvariantCulture,
                    $"    - {{ id: {id}, host: h{host}, cert_dir: {fleet.Root}/h{host}/agents/{id}/.pem, config: {fleet.Root}/h{host}/agents/{id}/agent.cfg }}\n");
            }
            File.WriteAllText(fleet.InventoryPath, yaml.ToString());
            await fleet.ConvergeAsync();
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
