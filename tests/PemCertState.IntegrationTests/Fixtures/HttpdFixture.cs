using System.Globalization;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Fixtures;

/// <summary>
/// A real Apache httpd with mod_ssl from the machine's packages (Debian's apache2), started from a temp
/// ServerRoot with a minimal httpd.conf of its own on a random loopback port. The PEM site lives in its own
/// file, conf/edb-ssl-pem.conf, as EDB installs it: a neighbour site (the default for clients without SNI) and
/// PEM's VirtualHost, both with self-signed certificates made by openssl, as PEM's installer does.
/// A missing binary fails the test with the install command; it is never skipped.
/// </summary>
public sealed class HttpdFixture : IDisposable
{
    public const string Binary = "/usr/sbin/apache2";
    public const string ModulesDir = "/usr/lib/apache2/modules";
    public const string Install = "apt-get install -y apache2";
    public const string PemName = "pem.example.com";
    public const string NeighbourName = "neighbour.example.com";

    private bool _running;

    public string Root { get; }
    public int Port { get; }
    public string MainConfig => Path.Combine(Root, "httpd.conf");
    public string SiteConfig => Path.Combine(Root, "conf", "edb-ssl-pem.conf");
    public string ErrorLog => Path.Combine(Root, "logs", "error.log");
    public string InitialCertificate => Path.Combine(Root, "resources", "server-pem.crt");
    public string InitialKey => Path.Combine(Root, "resources", "server-pem.key");

    /// <summary>What the inventory's web.test runs.</summary>
    public string TestCommand => $"{Binary} -f {MainConfig} -t";

    /// <summary>What the inventory's web.reload runs: a graceful restart, which returns before the children have the new files.</summary>
    public string ReloadCommand => $"{Binary} -f {MainConfig} -k graceful";

    public HttpdFixture()
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: the web integration tests need Apache httpd with mod_ssl. Install it with: {Install}");
        foreach (var module in new[] { "mod_mpm_event.so", "mod_authz_core.so", "mod_ssl.so" })
            if (!File.Exists(Path.Combine(ModulesDir, module)))
                throw new InvalidOperationException($"{ModulesDir}/{module} is missing: install Apache httpd with: {Install}");

        Root = Directory.CreateTempSubdirectory("pemstate-httpd-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var folder in new[] { "conf", "logs", "run", "resources", "neighbour" }) Directory.CreateDirectory(Path.Combine(Root, folder));
        Port = Loopback.FreePort();
        Loopback.SelfSigned(PemName, InitialKey, InitialCertificate);
        Loopback.SelfSigned(NeighbourName, Path.Combine(Root, "neighbour", "neighbour.key"), Path.Combine(Root, "neighbour", "neighbour.crt"));

        var port = Port.ToString(CultureInfo.InvariantCulture);
        var runAs = Environment.UserName == "root" ? "User www-data\nGroup www-data\n" : "";
        File.WriteAllText(MainConfig, $"""
            ServerRoot "{Root}"
            LoadModule mpm_event_module {ModulesDir}/mod_mpm_event.so
            LoadModule authz_core_module {ModulesDir}/mod_authz_core.so
            LoadModule ssl_module {ModulesDir}/mod_ssl.so
            {runAs}ServerName localhost
            PidFile {Root}/run/httpd.pid
            ErrorLog {ErrorLog}
            LogLevel info
            Mutex file:{Root}/run default
            DefaultRuntimeDir {Root}/run
            Include {SiteConfig}

            """);
        File.WriteAllText(SiteConfig, $"""
            # PEM's web server (edb-ssl-pem.conf), with another site beside it.
            Listen 127.0.0.1:{port}

            <VirtualHost 127.0.0.1:{port}>
                ServerName {NeighbourName}
                SSLEngine on
                SSLCertificateFile {Root}/neighbour/neighbour.crt
                SSLCertificateKeyFile {Root}/neighbour/neighbour.key
            </VirtualHost>

            <VirtualHost 127.0.0.1:{port}>
                ServerName {PemName}
                # Change the file names to match your certificate files.
                SSLEngine on
                SSLCertificateFile {InitialCertificate}
                SSLCertificateKeyFile {InitialKey}
            </VirtualHost>

            """);
        Start();
    }

    public void Start()
    {
        var (code, output) = Processes.Run(Binary, ["-f", MainConfig, "-k", "start"]);
        if (code != 0) throw new InvalidOperationException($"apache2 did not start ({code}): {output}\n{Log()}");
        _running = true;
        Loopback.WaitForListening(Port, TimeSpan.FromSeconds(20));
    }

    /// <summary>The certificate httpd serves for <paramref name="serverName"/> (SNI), as `openssl s_client` prints it, PEM-encoded.</summary>
    public string ServedCertificate(string serverName)
    {
        var (served, output) = Loopback.ServedCertificate(Port, serverName);
        if (!served) throw new InvalidOperationException($"openssl s_client got no certificate from 127.0.0.1:{Port}: {output}\n{Log()}");
        return output;
    }

    /// <summary>
    /// Waits until httpd serves <paramref name="pem"/> for <paramref name="serverName"/>: a graceful restart returns
    /// before its new children answer. Returns the last certificate seen.
    /// </summary>
    public string WaitForServed(string serverName, string pem, TimeSpan timeout) =>
        Loopback.WaitForServed(() => ServedCertificate(serverName), pem, timeout);

    public string Log() => File.Exists(ErrorLog) ? File.ReadAllText(ErrorLog) : "(no error log)";


    public void Dispose()
    {
        try
        {
            // SIGTERM to the parent named by the pid file, which is what `-k stop` sends; but `-k stop` parses the config
            // first and gives up when a test has broken it, which left httpd running. Wait for it to let go of the port and files.
            var pidFile = Path.Combine(Root, "run", "httpd.pid");
            if (_running && File.Exists(pidFile)) Processes.Run("kill", ["-TERM", File.ReadAllText(pidFile).Trim()]);
            for (var i = 0; i < 50 && File.Exists(pidFile); i++) Thread.Sleep(100);
        }
        finally
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
