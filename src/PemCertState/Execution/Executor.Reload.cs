using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

internal sealed partial class Executor
{
    /// <summary>
    /// Reloads the server (its reload command, or pg_reload_conf() over server.database), then records what it loaded, as
    /// <see cref="RestartAsync"/> does. With server.database the apply goes on only once the postmaster has reloaded (the
    /// signal returns at once; a new connection reports the postmaster's reload time) and presents server.crt as on disk: a
    /// reload that cannot load new SSL files keeps the old ones and says so only in the server's log, so that is a failed step.
    /// </summary>
    private async Task ReloadAsync(ReloadStep step, IHost host, Run run, CancellationToken ct)
    {
        var consumer = Consumer.Of(run.Desired, step.Address);
        var loading = consumer is null ? null : await LoadingAsync(consumer, ct).ConfigureAwait(false);
        var database = run.Desired.Server.Database;
        if (step.Command is { } command)
        {
            var before = database is null ? null : await LoadedAtOrNullAsync(database, run, ct).ConfigureAwait(false);
            var result = await RunCommandAsync(step, command, host, run, ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new StepFailedException($"'{command}' exited with {result.ExitCode}: {result.StandardError.Trim()}");
            if (database is not null && before is { } loadedBefore) await WaitForReloadAsync(step, run, database, loadedBefore, ct).ConfigureAwait(false);
        }
        else
        {
            if (database is null) throw new StepFailedException($"{step.Address} reloads over server.database, which is not set");
            try
            {
                await using var connection = await PemDatabase.OpenAsync(database, await DatabaseTrustAsync(run, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                var before = await connection.ConfigLoadedAtAsync(ct).ConfigureAwait(false);
                await connection.ReloadAsync(ct).ConfigureAwait(false);
                Log.Restarted(logger, step.Address.ToString(), ServerReload.OverDatabase, step.Host, 0);
                await WaitForReloadAsync(step, run, database, before, ct).ConfigureAwait(false);
            }
            catch (PemDatabaseException e)
            {
                throw new StepFailedException($"{step.Address}: {e.Message}", e);
            }
        }
        if (consumer is not null && loading is not null) await run.Loaded.RecordAsync(consumer.Name, loading, clock.GetUtcNow(), ct).ConfigureAwait(false);
    }

    /// <summary>The reload time before a reload command runs; null when the database cannot tell (the command's exit status is then all there is).</summary>
    private async Task<DateTime?> LoadedAtOrNullAsync(DatabaseSpec database, Run run, CancellationToken ct)
    {
        try
        {
            await using var connection = await PemDatabase.OpenAsync(database, await DatabaseTrustAsync(run, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return await connection.ConfigLoadedAtAsync(ct).ConfigureAwait(false);
        }
        catch (PemDatabaseException)
        {
            return null;
        }
    }

    /// <summary>
    /// New connections until one reports a configuration loaded after <paramref name="before"/>; then the certificate it was
    /// shown must be server.crt on disk. Real time, like <see cref="WaitForServerAsync"/>.
    /// </summary>
    private async Task WaitForReloadAsync(PlanStep step, Run run, DatabaseSpec database, DateTime before, CancellationToken ct)
    {
        var deadline = TimeProvider.System.GetUtcNow() + ServerStartTimeout;
        while (true)
        {
            await using (var connection = await PemDatabase.OpenAsync(database, await DatabaseTrustAsync(run, ct).ConfigureAwait(false), ct).ConfigureAwait(false))
            {
                var loadedAt = await connection.ConfigLoadedAtAsync(ct).ConfigureAwait(false);
                if (loadedAt > before)
                {
                    await CheckPresentedAsync(step, run, connection, ct).ConfigureAwait(false);
                    Log.ServerReloaded(logger, step.Address.ToString(), loadedAt, connection.ServerCertificate is { } shown ? Fingerprints.Sha256Hex(shown.RawData) : "-");
                    return;
                }
            }
            if (TimeProvider.System.GetUtcNow() >= deadline)
                throw new StepFailedException($"the server did not reload within {(int)ServerStartTimeout.TotalSeconds} s (pg_conf_load_time() stayed at {before:O}); see its log");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }
    }

    private async Task CheckPresentedAsync(PlanStep step, Run run, PemDatabase connection, CancellationToken ct)
    {
        if (connection.ServerCertificate is not { } shown) return;
        var onDisk = await hosts[run.Desired.Server.Host].ReadAsync(PemFiles.InDataDir(run.Desired.Server, PemFiles.ServerCertificate), ct).ConfigureAwait(false);
        var first = onDisk.Exists ? PemCodec.DecodeCertificates(onDisk.Content).FirstOrDefault() : null;
        if (first is not null && Fingerprints.Sha256Hex(first.GetEncoded()) != Fingerprints.Sha256Hex(shown.RawData))
            throw new StepFailedException($"{step.Address}: the server reloaded but still presents another certificate than server.crt on disk: " +
                "it could not load the new SSL files and kept the old ones; its log says why");
    }
}
