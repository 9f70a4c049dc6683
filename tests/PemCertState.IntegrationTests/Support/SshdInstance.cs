using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PemCertState.IntegrationTests.Fixtures;

namespace PemCertState.IntegrationTests.Support;

/// <summary>One sshd process. Its stderr (sshd -e, and internal-sftp's log when asked for) is kept for assertions.</summary>
public sealed class SshdInstance : IDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Name { get; }
    public string Folder { get; }
    public int Port { get; private set; }
    public string HostKey => Path.Combine(Folder, "ssh_host_ed25519_key");

    /// <summary>The host's public key line ("ssh-ed25519 AAAA... comment").</summary>
    public string PublicKeyLine => File.ReadAllText(HostKey + ".pub").Trim();

    public byte[] PublicKeyBlob => Convert.FromBase64String(PublicKeyLine.Split(' ')[1]);

    /// <summary>The line ssh-keyscan would print for this host.</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {string.Join(' ', PublicKeyLine.Split(' ').Take(2))}";

    /// <summary>sshd's own stderr (errors only).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    public string SftpLogPath => Path.Combine(Folder, "sftp.log");

    /// <summary>Every SFTP operation, in order, when started with sftpLog (empty otherwise).</summary>
    public string SftpLog => File.Exists(SftpLogPath) ? File.ReadAllText(SftpLogPath) : "";

    private SshdInstance(string name, string folder)
    {
        Name = name;
        Folder = folder;
    }

    internal static SshdInstance Start(SshdFixture fixture, string name, bool sftpLog, string? path = null)
    {
        var folder = Path.Combine(fixture.Folder, name);
        Directory.CreateDirectory(folder);
        var instance = new SshdInstance(name, folder);
        SshdFixture.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", $"{name}-host", "-f", instance.HostKey);
        // sshd runs every command through the login shell; bash then reads ~/.bashrc, which on these machines runs
        // `pyenv rehash` (seconds under load) before each command. An empty HOME keeps that out of the tests.
        var home = Path.Combine(folder, "home");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)Convert.ToInt32("755", 8));
        var config = Path.Combine(folder, "sshd_config");
        // internal-sftp logs only to syslog; sftp-server -e logs to its stderr, which the session would send to
        // the client. A wrapper sends it to a file instead, for tests that check the order of SFTP operations.
        var subsystem = "internal-sftp";
        if (sftpLog)
        {
            subsystem = Path.Combine(folder, "sftp-server-logged");
            File.WriteAllText(subsystem, $"#!/bin/sh\nexec /usr/lib/openssh/sftp-server -e -l INFO 2>>{instance.SftpLogPath}\n");
            File.SetUnixFileMode(subsystem, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        // A free port may be taken by another test's server before sshd binds it (the banner would then be the other
        // server's): sshd confirms with its pid file, written once it listens, and a lost race is run again on another port.
        for (var attempt = 1; ; attempt++)
        {
            instance.Port = Loopback.FreePort();
            File.WriteAllText(config, Config(instance, fixture, subsystem, home, path));
            try
            {
                instance.Launch(config);
                return instance;
            }
            catch (InvalidOperationException) when (attempt < 3 && instance.Log.Contains("Address already in use", StringComparison.Ordinal))
            {
                instance.Stop();
                lock (instance._log) instance._log.Clear();
            }
        }
    }

    private static string Config(SshdInstance instance, SshdFixture fixture, string subsystem, string home, string? path) => $"""
            Port {instance.Port}
            ListenAddress 127.0.0.1
            HostKey {instance.HostKey}
            PidFile {Path.Combine(instance.Folder, "sshd.pid")}
            AuthorizedKeysFile {fixture.AuthorizedKeys}
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            StrictModes no
            UsePAM no
            MaxStartups 200
            MaxSessions 200
            LogLevel ERROR
            Subsystem sftp {subsystem}
            SetEnv HOME={home}{(path is null ? "" : $" PATH={path}")}

            """;

    private void Launch(string config)
    {
        var start = new ProcessStartInfo(SshdFixture.SshdPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("sshd did not start");
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitForBanner();
    }

    private void WaitForBanner()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"sshd {Name} exited with {_process.ExitCode}: {Log}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 2000;
                var buffer = new byte[64];
                var read = stream.Read(buffer);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-2.0", StringComparison.Ordinal) && Listening()) return;
            }
            catch (SocketException) { }
            catch (IOException) { }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"sshd {Name} did not answer on port {Port} within 15 s: {Log}");
    }

    /// <summary>Our sshd wrote its pid file, which it does once it listens: the banner seen is its own, not another server's.</summary>
    private bool Listening()
    {
        var pidFile = Path.Combine(Folder, "sshd.pid");
        try { return File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        catch (IOException) { return false; }
    }

    /// <summary>Stops the server; the port then refuses connections (an unreachable host).</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    /// <summary>Gives the host a new host key, as a re-installed machine would have.</summary>
    public void RegenerateHostKey()
    {
        Stop();
        File.Delete(HostKey);
        File.Delete(HostKey + ".pub");
        SshdFixture.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", $"{Name}-host-2", "-f", HostKey);
        Launch(Path.Combine(Folder, "sshd_config"));
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
    }
}
