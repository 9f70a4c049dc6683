using System.Diagnostics;
using System.Text.RegularExpressions;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// strace, beside our own code, shows how a real `pemstate apply` touches the managed folders: never by a path that
/// another account could re-point. Every file there is opened relative to a held folder descriptor by its plain name,
/// modes and owners are set with fchmod/fchown, and no syscall names a managed folder by its absolute path.
/// </summary>
[Trait("Category", "Attack")]
public sealed partial class NoPathCallsTests
{
    [Fact]
    public async Task An_apply_touches_managed_folders_only_through_descriptors()
    {
        // Given a lab with an agent folder owned by another account
        using var lab = Lab.Create(agents: 1, owner: "nobody");
        var log = Path.Combine(lab.Root, "strace.log");

        // When it is applied under strace, every thread and child followed
        var start = new ProcessStartInfo("strace")
        {
            WorkingDirectory = lab.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-f", "-qq", "-s", "256", "-o", log,
                     "-e", "trace=%file,%desc,fchmod,fchown", "dotnet", Path.Combine(AppContext.BaseDirectory, "pemstate.dll"), "apply", "--auto-approve" })
            start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment["PEMSTATE_NOW"] = Lab.Today.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        using (var process = Process.Start(start)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(180_000), "strace'd apply did not finish");
            Assert.True(process.ExitCode == 0, await stdout + await stderr);
        }

        // Then no call names a managed folder (or anything in it) by its absolute path
        var managed = new[] { lab.DataDir, lab.CertDir(1) }.Select(Path.GetFullPath).ToArray();
        var lines = File.ReadAllLines(log);
        var byPath = lines.Where(line => managed.Any(folder => line.Contains($"\"{folder}", StringComparison.Ordinal))).ToList();
        Assert.True(byPath.Count == 0, "calls by absolute path into a managed folder:\n" + string.Join("\n", byPath.Take(20)));

        // and no path-based chmod or chown at all
        var pathModes = lines.Where(line => PathModeCall().IsMatch(line)).ToList();
        Assert.True(pathModes.Count == 0, "path-based chmod/chown:\n" + string.Join("\n", pathModes.Take(20)));

        // and every new file is created by plain name with O_EXCL|O_NOFOLLOW inside a private folder held by its
        // descriptor (made by mkdirat on the managed folder's descriptor), then moved by renameat between descriptors
        var privateFolders = lines.Where(line => MkdirPrivate().IsMatch(line)).ToList();
        Assert.NotEmpty(privateFolders);
        var creates = lines.Where(line => line.Contains("openat(", StringComparison.Ordinal) && line.Contains("O_CREAT", StringComparison.Ordinal)
            && (line.Contains("agent1.", StringComparison.Ordinal) || line.Contains("server.", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(creates);
        Assert.All(creates, line =>
        {
            Assert.DoesNotContain("AT_FDCWD", line, StringComparison.Ordinal);
            Assert.Contains("O_EXCL", line, StringComparison.Ordinal);
            Assert.Contains("O_NOFOLLOW", line, StringComparison.Ordinal);
            Assert.Matches("openat\\(\\d+, \"[^/\"]+\"", line);
        });
        var renames = lines.Where(line => line.Contains("renameat", StringComparison.Ordinal) && line.Contains("agent1.key", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(renames);
        Assert.All(renames, line => Assert.Matches("renameat2?\\(\\d+, \"agent1\\.key\", \\d+, \"agent1\\.key\"", line));
        Assert.Contains(lines, line => line.Contains("fchown(", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("fchmod(", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"mkdirat\(\d+, ""\.pemstate-[0-9a-f]+"", 0700\)")]
    private static partial Regex MkdirPrivate();

    [GeneratedRegex(@"\b(chmod|chown|lchown|fchmodat|fchownat)\(")]
    private static partial Regex PathModeCall();
}
