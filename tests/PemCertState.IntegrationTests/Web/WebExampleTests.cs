using System.Globalization;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Web;

/// <summary>examples/web as its README runs it: its own script starts NGINX, the built pemstate converges it.</summary>
public sealed class WebExampleTests
{
    [Fact]
    public void The_web_example_round_trips_against_the_nginx_its_script_starts()
    {
        // Given a copy of examples/web on a free port, with the NGINX its script starts
        if (!File.Exists(NginxFixture.Binary))
            throw new InvalidOperationException($"{NginxFixture.Binary} is missing: install it with: {NginxFixture.Install}");
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PemCertState.sln"))) root = root.Parent!;
        var folder = Directory.CreateTempSubdirectory("pemstate-web-example-").FullName;
        var port = Loopback.FreePort().ToString(CultureInfo.InvariantCulture);
        var script = Path.Combine(folder, "start-nginx.sh");
        File.Copy(Path.Combine(root.FullName, "examples", "web", "start-nginx.sh"), script);
        var inventory = Path.Combine(folder, "pemstate.yaml");
        File.WriteAllText(inventory, File.ReadAllText(Path.Combine(root.FullName, "examples", "web", "pemstate.yaml")).Replace(":8443", ":" + port, StringComparison.Ordinal));
        var environment = new Dictionary<string, string> { ["PORT"] = port };
        try
        {
            var (started, said) = Processes.Run("sh", [script], environment);
            Assert.True(started == 0, said);

            // When the README's commands run
            var apply = Processes.Pemstate("apply", "-f", inventory, "--auto-approve");
            var verify = Processes.Pemstate("verify", "-f", inventory, "--connect");
            var status = Processes.Pemstate("status", "-f", inventory);
            var again = Processes.Pemstate("plan", "-f", inventory, "--detailed-exitcode");

            // Then nginx serves the new certificate, verify and status see it, nothing is left to do
            Assert.True(apply.ExitCode == 0, apply.Output);
            Assert.True(verify.ExitCode == 0, verify.Output);
            Assert.Contains($"web 127.0.0.1:{port} (pem.example.com): ok", verify.Output, StringComparison.Ordinal);
            Assert.Contains("web.certificate", status.Output, StringComparison.Ordinal);
            Assert.True(again.ExitCode == 0, again.Output);
            var (code, output) = Processes.Run("sh", ["-c",
                $"openssl s_client -connect 127.0.0.1:{port} -servername localhost -CAfile {folder}/lab/server/data/root.crt -verify_hostname localhost -verify_return_error </dev/null"]);
            Assert.True(code == 0, output);
            Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
        }
        finally
        {
            Processes.Run("sh", [script, "stop"], environment);
            var pid = Path.Combine(folder, "lab", "nginx", "run", "nginx.pid");
            for (var i = 0; i < 50 && File.Exists(pid); i++) Thread.Sleep(100);
            Directory.Delete(folder, recursive: true);
        }
    }
}
