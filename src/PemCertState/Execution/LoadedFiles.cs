using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// `loaded.jsonl` in the server's state_dir: for each <see cref="Consumer"/>, the fingerprint of the files it was last
/// (re)started or reloaded with. A line is appended only after its restart command succeeded, so whatever crashes when (between
/// a file's rename and the journal, between a restart and this line, twice in a row), a consumer whose files on disk differ
/// from its last line still owes its restart, and the next plan says so. The journal says where an apply stopped; this file,
/// what every consumer runs.
/// </summary>
/// <remarks>
/// An apply starts it again, atomically, with one line per consumer: the last one recorded, or for a consumer never recorded,
/// what it is taken to run now (the files on disk, unless the plan restarts it: then <see cref="LoadedFilesFormat.Unknown"/>, which no files
/// match). So the file stays one line per consumer plus one per restart of the apply, and a consumer is never left without one
/// once an apply changed its files.
/// </remarks>
internal sealed class LoadedFiles(IHost host, string path)
{
    public const string FileName = State.StateFiles.LoadedName;

    public static string PathFor(ServerSpec server) => State.StateFiles.Loaded(server);

    /// <summary>Replaces the file, atomically, with one line per consumer; makes the state folder (0700) first when there is none.</summary>
    public async Task BeginAsync(string stateDir, IReadOnlyDictionary<string, string> records, DateTimeOffset now, CancellationToken ct)
    {
        await host.EnsureDirectoryAsync(stateDir, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(path, records.OrderBy(r => r.Key, StringComparer.Ordinal).SelectMany(r => LoadedFilesFormat.Line(r.Key, r.Value, now)).ToArray(),
            FileModes.Private, null, ct).ConfigureAwait(false);
    }

    /// <summary>After a consumer's restart command succeeded: what it loaded. Lines of agents' lanes share one append.</summary>
    public Task RecordAsync(string consumer, string fingerprint, DateTimeOffset now, CancellationToken ct) =>
        LazyInitializer.EnsureInitialized(ref _appends, () => new Batcher<byte[], bool>(AppendLinesAsync)).AddAsync(LoadedFilesFormat.Line(consumer, fingerprint, now)).WaitAsync(ct);

    private Batcher<byte[], bool>? _appends;

    private async Task<IReadOnlyList<bool>> AppendLinesAsync(IReadOnlyList<byte[]> lines)
    {
        await host.AppendAsync(path, lines.SelectMany(l => l).ToArray(), FileModes.Private, CancellationToken.None).ConfigureAwait(false);
        return [.. lines.Select(_ => true)];
    }
}
