using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>`pemstate status --prometheus --out FILE`, as a cron job or systemd timer runs it for node_exporter.</summary>
public sealed class StatusMetricsFileTests
{
    private static readonly Dictionary<string, string?> _later = new()
    {
        ["PEMSTATE_NOW"] = Lab.Today.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Out_replaces_the_file_whole_with_mode_0644_and_leaves_no_temp_file()
    {
        // Given a converged lab and a textfile collector folder
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var folder = Path.Combine(lab.Root, "textfile");
        Directory.CreateDirectory(folder);
        var prom = Path.Combine(folder, "pemstate.prom");

        // When status writes the metrics there, a reader opens the file, and status writes them again an hour later
        var first = Pemstate.Run(lab.Root, "status", "-f", lab.InventoryPath, "--prometheus", "--out", prom);
        var firstText = File.ReadAllText(prom);
        using var reader = new FileStream(prom, FileMode.Open, FileAccess.Read);
        var second = Pemstate.RunWith(lab.Root, _later, "status", "-f", lab.InventoryPath, "--format", "prometheus", "--out", prom);
        var printed = Pemstate.RunWith(lab.Root, _later, "status", "-f", lab.InventoryPath, "--format", "prometheus");

        // Then both runs succeeded and printed nothing, the file holds what status prints, promtool accepts it, and it is
        // 0644 with nothing else in the folder; the reader still has the whole first file: the second replaced it by a
        // rename, it did not rewrite it in place
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal("", first.Stdout + second.Stdout);
        Assert.Equal(printed.Stdout, File.ReadAllText(prom));
        Assert.NotEqual(firstText, printed.Stdout);
        Assert.Contains($"pemstate_status_timestamp_seconds {Lab.Today.ToUnixTimeSeconds()}\n", firstText, StringComparison.Ordinal);
        Assert.Equal("", Promtool.CheckMetrics(File.ReadAllText(prom)));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(prom));
        Assert.Equal(["pemstate.prom"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        using var stillOpen = new StreamReader(reader);
        Assert.Equal(firstText, await stillOpen.ReadToEndAsync());
    }

    [Fact]
    public async Task Out_refuses_a_symbolic_link_and_writes_nothing_through_it()
    {
        // Given a converged lab and, where the metrics go, a link to another file
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var folder = Path.Combine(lab.Root, "textfile");
        Directory.CreateDirectory(folder);
        var victim = Path.Combine(lab.Root, "victim.txt");
        File.WriteAllText(victim, "not yours\n");
        var prom = Path.Combine(folder, "pemstate.prom");
        File.CreateSymbolicLink(prom, victim);

        // When status is told to write there
        var result = Pemstate.Run(lab.Root, "status", "-f", lab.InventoryPath, "--prometheus", "--out", prom);

        // Then it refuses with a plain message, the link and the file it points to are as they were, and no temp file is left
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"pemstate: cannot write {prom}: {prom} is a symbolic link", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("not yours\n", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(prom).LinkTarget);
        Assert.Equal(["pemstate.prom"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Two_formats_at_once_are_refused_before_anything_is_observed()
    {
        // Given a lab
        using var lab = Lab.Create(agents: 1);

        // When status is asked for JSON and metrics at once, and for a format it does not know
        var both = Pemstate.Run(lab.Root, "status", "-f", lab.InventoryPath, "--json", "--prometheus");
        var unknown = Pemstate.Run(lab.Root, "status", "-f", lab.InventoryPath, "--format", "openmetrics");

        // Then both exit 1 with a sentence, and no metrics are printed
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("--format, --json and --prometheus name different formats; give one.", both.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("openmetrics", unknown.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pemstate_", both.Stdout + unknown.Stdout, StringComparison.Ordinal);
    }
}
