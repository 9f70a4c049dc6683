using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// pemstate as a pipeline installs it: `dotnet pack` the CLI, `dotnet tool install` the package from
/// a folder, run the installed command. Slow (a Release build), so one test does it all.
/// </summary>
public sealed class PackagingTests
{
    [Fact]
    public void The_packed_tool_installs_from_a_local_source_and_plans_the_quickstart()
    {
        var temp = Directory.CreateTempSubdirectory("pemstate-pack-").FullName;
        try
        {
            // Given the package, built the way the README says, in a folder used as the only package source
            var repository = RepositoryRoot();
            var feed = Path.Combine(temp, "nupkg");
            // The README packs every runtime (linux-x64, linux-arm64 and the portable `any`); here this machine's runtime and the
            // portable package, which are what an install on this machine can pick: the other RID is the same build for another target.
            var pack = Run(temp, "dotnet", ["pack", Path.Combine(repository, "src", "PemCertState.Cli"), "-c", "Release", "-o", feed, "--nologo",
                $"-p:ToolPackageRuntimeIdentifiers=\"{RuntimeInformation.RuntimeIdentifier};any\""]);
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
            var pemstate = Path.Combine(tools, "pemstate");
            var quickstart = Directory.CreateDirectory(Path.Combine(temp, "quickstart")).FullName;
            File.Copy(Path.Combine(repository, "examples", "quickstart", "pemstate.yaml"), Path.Combine(quickstart, "pemstate.yaml"));
            var versionRun = Run(quickstart, pemstate, ["--version"]);
            var plan = Run(quickstart, pemstate, ["plan", "-f", "pemstate.yaml"]);
            var detailed = Run(quickstart, pemstate, ["plan", "--detailed-exitcode"]);

            // Then
            Assert.True(install.ExitCode == 0, install.Output);
            // the install took this machine's runtime package, and its code is precompiled (ReadyToRun): no JIT at every start
            var installed = Assert.Single(Directory.GetFiles(tools, "pemstate.dll", SearchOption.AllDirectories));
            Assert.Contains($"{Path.DirectorySeparatorChar}{RuntimeInformation.RuntimeIdentifier}{Path.DirectorySeparatorChar}", installed, StringComparison.Ordinal);
            Assert.True(IsReadyToRun(installed), $"{installed} is plain IL, not ReadyToRun");
            Assert.True(IsReadyToRun(Path.Combine(Path.GetDirectoryName(installed)!, "PemCertState.dll")), "the library is plain IL, not ReadyToRun");
            Assert.True(versionRun.ExitCode == 0, versionRun.Output);
            Assert.StartsWith(version, versionRun.Output, StringComparison.Ordinal);
            Assert.True(plan.ExitCode == 0, plan.Output);
            Assert.Contains("Plan: 17 steps on 9 resources (4 generate key, 4 issue, 4 install, 1 write bundle, 1 write CRL, 3 edit settings).\n", plan.Output, StringComparison.Ordinal);
            // the quickstart sets no restart commands: the plan says what to restart by hand
            Assert.Contains("server.restart is not set: restart PostgreSQL yourself", plan.Output, StringComparison.Ordinal);
            Assert.Equal(2, detailed.ExitCode);
            Assert.False(Directory.Exists(Path.Combine(quickstart, "lab")), "plan must not write anything");
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>A ReadyToRun assembly carries precompiled code: its CLI header points at a managed native header.</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
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
        if (!process.WaitForExit(300_000)) { process.Kill(true); throw new TimeoutException($"{command} {string.Join(' ', arguments)} did not finish in 300 s"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
