using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// pemstate as a pipeline installs it: scripts/pack.sh (`dotnet pack`, then this runtime compiled native), `dotnet tool
/// install` the package from a folder, run the installed command. Slow (a Native AOT build), so one test does it all.
/// </summary>
public sealed class PackagingTests
{
    [Fact]
    public void The_packed_tool_installs_from_a_local_source_as_one_native_executable_and_runs_every_verb_on_the_quickstart()
    {
        var temp = Directory.CreateTempSubdirectory("pemstate-pack-").FullName;
        try
        {
            // Given the packages scripts/pack.sh makes (the README's command), in a folder used as the only package source
            var repository = RepositoryRoot();
            var feed = Path.Combine(temp, "nupkg");
            // It packs every runtime (linux-x64, linux-arm64 and the portable `any`); here this machine's runtime and the portable
            // package, which are what an install on this machine can pick: the other RID is the same build for another target.
            var pack = Run(temp, Path.Combine(repository, "scripts", "pack.sh"), [feed, $"-p:ToolPackageRuntimeIdentifiers=\"{RuntimeInformation.RuntimeIdentifier};any\""]);
            Assert.True(pack.ExitCode == 0, pack.Output);
            var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var pointer = Assert.Single(packages, p => Regex.IsMatch(p!, @"^pemstate\.\d"));
            var version = Regex.Match(pointer!, @"^pemstate\.(\d+\.\d+\.\d+.*)\.nupkg$").Groups[1].Value;
            Assert.NotEqual("", version);
            // one package a runtime, each named by its RID, beside the small pointer package that `dotnet tool install` resolves
            Assert.Contains($"pemstate.{RuntimeInformation.RuntimeIdentifier}.{version}.nupkg", packages);
            Assert.Contains($"pemstate.any.{version}.nupkg", packages);
            File.WriteAllText(Path.Combine(temp, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);

            // When it is installed into a tool path and run on a copy of the quickstart
            var tools = Path.Combine(temp, "tools");
            var install = Run(temp, "dotnet", ["tool", "install", "pemstate", "--tool-path", tools, "--version", version,
                "--configfile", Path.Combine(temp, "nuget.config")], nugetCache: Path.Combine(temp, "packages"));
            Assert.True(install.ExitCode == 0, install.Output);
            var pemstate = Path.Combine(tools, "pemstate");
            var quickstart = Directory.CreateDirectory(Path.Combine(temp, "quickstart")).FullName;
            File.Copy(Path.Combine(repository, "examples", "quickstart", "pemstate.yaml"), Path.Combine(quickstart, "pemstate.yaml"));

            // Then the install took this machine's runtime package: one native executable (Native AOT), no assembly to JIT-compile
            var installed = Assert.Single(Directory.GetFiles(tools, "pemstate", SearchOption.AllDirectories), f => !f.Equals(pemstate, StringComparison.Ordinal));
            Assert.Contains($"{Path.DirectorySeparatorChar}{RuntimeInformation.RuntimeIdentifier}{Path.DirectorySeparatorChar}", installed, StringComparison.Ordinal);
            Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(installed)[..4]);
            var beside = Directory.GetFiles(Path.GetDirectoryName(installed)!).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.True(beside.SequenceEqual(["DotnetToolSettings.xml", "pemstate"]), string.Join(", ", beside));

            // and every verb works in it, those that read and write pemstate's JSON files (lock, journal, ledger, backup
            // manifests, saved plans) included: the native build has no reflection to fall back on
            var versionRun = Run(quickstart, pemstate, ["--version"]);
            Assert.True(versionRun.ExitCode == 0, versionRun.Output);
            Assert.StartsWith(version, versionRun.Output, StringComparison.Ordinal);
            var plan = Run(quickstart, pemstate, ["plan", "-f", "pemstate.yaml"]);
            Assert.True(plan.ExitCode == 0, plan.Output);
            Assert.Contains("Plan: 17 steps on 9 resources (4 generate key, 4 issue, 4 install, 1 write bundle, 1 write CRL, 3 edit settings).\n", plan.Output, StringComparison.Ordinal);
            // the quickstart sets no restart commands: the plan says what to restart by hand
            Assert.Contains("server.restart is not set: restart PostgreSQL yourself", plan.Output, StringComparison.Ordinal);
            Assert.Equal(2, Run(quickstart, pemstate, ["plan", "--detailed-exitcode"]).ExitCode);
            Assert.False(Directory.Exists(Path.Combine(quickstart, "lab")), "plan must not write anything");
            Assert.Equal(17, JsonNode.Parse(Run(quickstart, pemstate, ["plan", "--json"]).Output)!["steps"]!.AsArray().Count);

            var saved = Run(quickstart, pemstate, ["plan", "--out", "plan.json"]);
            Assert.True(saved.ExitCode == 0, saved.Output);
            var apply = Run(quickstart, pemstate, ["apply", "plan.json", "--auto-approve"]);
            Assert.True(apply.ExitCode == 0, apply.Output);
            Assert.Equal(0, Run(quickstart, pemstate, ["plan", "--detailed-exitcode"]).ExitCode);
            var status = Run(quickstart, pemstate, ["status", "--json"]);
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains(JsonNode.Parse(status.Output)!["certificates"]!.AsArray(), row => (string?)row!["address"] == "agent[1].certificate");
            var verify = Run(quickstart, pemstate, ["verify"]);
            Assert.DoesNotContain("Unhandled exception", verify.Output, StringComparison.Ordinal);

            // an agent's certificate lost: the apply backs up its key (a manifest) and makes a new pair; a rollback restores that key
            var agentCertificate = Assert.Single(Directory.GetFiles(Path.Combine(quickstart, "lab"), "agent1.crt", SearchOption.AllDirectories));
            var agentKey = Path.ChangeExtension(agentCertificate, ".key");
            var keyBefore = File.ReadAllBytes(agentKey);
            File.Delete(agentCertificate);
            var repair = Run(quickstart, pemstate, ["apply", "--auto-approve"]);
            Assert.True(repair.ExitCode == 0, repair.Output);
            Assert.True(File.Exists(agentCertificate));
            Assert.NotEqual(keyBefore, File.ReadAllBytes(agentKey));
            var backups = Run(quickstart, pemstate, ["backups"]);
            Assert.True(backups.ExitCode == 0, backups.Output);
            var rollback = Run(quickstart, pemstate, ["rollback", "--auto-approve"]);
            Assert.True(rollback.ExitCode == 0, rollback.Output);
            Assert.Equal(keyBefore, File.ReadAllBytes(agentKey));
            Assert.DoesNotContain("Unhandled exception", string.Concat(apply.Output, repair.Output, backups.Output, rollback.Output), StringComparison.Ordinal);
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); }
            catch (IOException) { }
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "PemCertState.sln"))) return folder.FullName;
        throw new InvalidOperationException($"no PemCertState.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs a command as a pipeline would: CI=true, stdin closed.</summary>
    /// <param name="nugetCache">A private NuGet cache for the install, so that an earlier build of the same version, cached, is never what gets installed.</param>
    private static (int ExitCode, string Output) Run(string workingDirectory, string command, string[] arguments, string? nugetCache = null)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (nugetCache is not null) start.Environment["NUGET_PACKAGES"] = nugetCache;
        start.Environment["DOTNET_ROOT"] = Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root
            ? root
            : Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        start.Environment.Remove("PEMSTATE_FILE");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Native AOT compiles the whole program on CI's two cores: minutes, not seconds.
        if (!process.WaitForExit(900_000)) { process.Kill(true); throw new TimeoutException($"{command} {string.Join(' ', arguments)} did not finish in 900 s"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
