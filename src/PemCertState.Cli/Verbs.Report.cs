using PemCertState.Rendering;

namespace PemCertState.Cli;

internal static partial class Verbs
{
    /// <summary>`pemstate report --out FILE`: status, plan and verify's findings on one HTML page (the library renders it).</summary>
    public static async Task<int> ReportAsync(string file, string outFile, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        ReportLocks(observed.StateFolder?.Locks ?? []);

        var report = FleetReport.Create(Path.GetFileName(file), desired, observed, context.Clock.GetUtcNow(), filter.Summary);
        var html = HtmlReport.Render(report);
        try { await ReplacedFile.WriteAsync(outFile, html, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.Write($"pemstate: cannot write the report to {outFile}: {e.Message}\n");
            return ExitCodes.Error;
        }
        Console.Error.Write($"Wrote {outFile} ({System.Text.Encoding.UTF8.GetByteCount(html) / 1024.0:0.#} KiB): {report.Certificates.Count} rows, "
            + $"{report.Plan.Steps.Count} pending steps, {report.Findings.Count} findings.\n");
        return ExitCodes.Done;
    }
}
