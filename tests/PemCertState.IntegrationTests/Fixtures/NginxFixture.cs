using System.Globalization;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Fixtures;

/// <summary>
/// A real NGINX from the machine's packages (Debian's nginx, with the ssl module built in), started as a daemon
/// from a temp prefix with an nginx.conf of its own on a random loopback port; error log, pid file and temp folders
/// stay inside the prefix. PEM's site lives in its own file, conf/edb-pem.conf, as EDB installs it: a neighbour
/// server block (the default for clients without SNI) and PEM's, both with self-signed certificates made by openssl.
/// A missing binary fails the test with the install command; it is never skipped.
/// </summary>
public sealed class NginxFixture : IDisposable
{
    public const string Binary = "/usr/sbin/nginx";
    public const string Install = "apt-get install -y nginx";
    public const string PemName = "pem.example.com";
    public const string NeighbourName = "neighbour.example.com";

    private bool _running;

    public string Root { get; }
    public int Port { get; }
    public string MainConfig => Path.Combine(Root, "nginx.conf");
    public string SiteConfig => Path.Combine(Root, "conf", "edb-pem.conf");
    public string ErrorLog => Path.Combine(Root, "logs", "error.log");
    public string PidFile => Path.Combine(Root, "run", "nginx.pid");
    public string InitialCertificate => Path.Combine(Root, "resources", "server-pem.crt");
    public string InitialKey => Path.Combine(Root, "resources", "server-pem.key");

    /// <summary>-e: the error log before the config is read (Debian's build logs to stderr by default); -p/-c: the temp prefix.</summary>
    private string Arguments => $"-e {ErrorLog} -p {Root}/ -c {MainConfig}";

    /// <summary>What the inventory's web.test runs.</summary>
    public string TestCommand => $"{Binary} {Arguments} -t";

    /// <summary>What the inventory's web.reload runs: SIGHUP to the master, which returns before the new workers answer.</summary>
    public string ReloadCommand => $"{Binary} {Arguments} -s reload";

    public NginxFixture()
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: the NGINX integration tests need it. Install it with: {Install}");

        Root = Directory.CreateTempSubdirectory("pemstate-nginx-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var folder in new[] { "conf", "logs", "run", "temp", "resources", "neighbour" }) Directory.CreateDirectory(Path.Combine(Root, folder));
        Port = Loopback.FreePort();
        Loopback.SelfSigned(PemName, InitialKey, InitialCertificate);
        Loopback.SelfSigned(NeighbourName, Path.Combine(Root, "neighbour", "neighbour.key"), Path.Combine(Root, "neighbour", "neighbour.crt"));

        var port = Port.ToString(CultureInfo.InvariantCulture);
        var temp = Path.Combine(Root, "temp");
        File.WriteAllText(MainConfig, $$"""
            worker_processes 1;
            error_log {{ErrorLog}} info;
            pid {{PidFile}};
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{SiteConfig}};
            }

            """);
        File.WriteAllText(SiteConfig, $$"""
            # PEM's web server (edb-pem.conf), with another site beside it.
            server {
                listen 127.0.0.1:{{port}} ssl default_server;
                server_name {{NeighbourName}};
                ssl_certificate {{Root}}/neighbour/neighbour.crt;
                ssl_certificate_key {{Root}}/neighbour/neighbour.key;
                location / { return 200 "neighbour\n"; }
            }

            server {
                listen 127.0.0.1:{{port}} ssl;
                server_name {{PemName}};
                # Change the file names to match your certificate files.
                ssl_certificate {{InitialCertificate}};
                ssl_certificate_key {{InitialKey}};
                location / { return 200 "pem\n"; }
            }

            """);
        Start();
    }

    private void Start()
    {
        var (code, output) = Processes.Run("sh", ["-c", $"{Binary} {Arguments}"]);
        if (code != 0) throw new InvalidOperationException($"nginx did not start ({code}): {output}\n{Log()}");
        _running = true;
        Loopback.WaitForListening(Port, TimeSpan.FromSeconds(20));
    }

    /// <summary>Runs the fixture's nginx with <paramref name="signal"/> (reload, quit), as a person would.</summary>
    public void Signal(string signal) => Processes.Check("sh", "-c", $"{Binary} {Arguments} -s {signal}");

    /// <summary>The certificate nginx serves for <paramref name="serverName"/> (SNI), as `openssl s_client` prints it, PEM-encoded.</summary>
    public string ServedCertificate(string serverName)
    {
        var (served, output) = Loopback.ServedCertificate(Port, serverName);
        if (!served) throw new InvalidOperationException($"openssl s_client got no certificate from 127.0.0.1:{Port}: {output}\n{Log()}");
        return output;
    }

    /// <summary>Every certificate nginx sends for <paramref name="serverName"/> (leaf first), as `openssl s_client -showcerts` prints them.</summary>
    public string ServedChain(string serverName) =>
        Processes.Run("sh", ["-c", $"openssl s_client -showcerts -connect 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)} -servername {serverName} </dev/null 2>/dev/null"]).Output;

    /// <summary>
    /// Waits until nginx serves <paramref name="pem"/> for <paramref name="serverName"/>: a reload returns before the
    /// new workers answer. Returns the last certificate seen.
    /// </summary>
    public string WaitForServed(string serverName, string pem, TimeSpan timeout) =>
        Loopback.WaitForServed(() => ServedCertificate(serverName), pem, timeout);

    public string Log() => File.Exists(ErrorLog) ? File.ReadAllText(ErrorLog) : "(no error log)";


    public void Dispose()
    {
        try
        {
            // SIGQUIT to the master named by the pid file (not `-s quit`, which first parses the config, and a test
            // may have broken it); the master removes the pid file when its workers are done.
            if (_running && File.Exists(PidFile))
                Processes.Run("kill", ["-QUIT", File.ReadAllText(PidFile).Trim()]);
            for (var i = 0; i < 50 && File.Exists(PidFile); i++) Thread.Sleep(100);
        }
        finally
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
