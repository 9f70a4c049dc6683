using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// `issued.jsonl` in the server's state_dir: one line for every certificate PEM's own CA signs through pemstate (the CA
/// itself, the server, the web server, every agent, the common pair), appended right after the signature, before the
/// certificate reaches any host; its lines are <see cref="IssuanceRecordFormat"/>'s. The ledger knows only who holds what
/// now; this is how a later plan still finds a certificate whose agent left before anyone tracked it (issue 20, item 7).
/// Public data only: the certificate, never a key.
/// </summary>
internal sealed class IssuanceRecord(IHost host, string stateDir)
{
    /// <summary>Appends the line (lines of agents' lanes share one append and fsync); makes the state folder (0700) first when there is none.</summary>
    public Task RecordAsync(ResourceAddress address, X509Certificate certificate, DateTimeOffset now, CancellationToken ct) =>
        LazyInitializer.EnsureInitialized(ref _appends, () => new Batcher<byte[], bool>(AppendLinesAsync)).AddAsync(IssuanceRecordFormat.Line(address, certificate, now)).WaitAsync(ct);

    private Batcher<byte[], bool>? _appends;
    private bool _folderMade;

    private async Task<IReadOnlyList<bool>> AppendLinesAsync(IReadOnlyList<byte[]> lines)
    {
        if (!_folderMade)
        {
            await host.EnsureDirectoryAsync(stateDir, FileModes.PrivateDirectory, CancellationToken.None).ConfigureAwait(false);
            _folderMade = true;
        }
        await host.AppendAsync(Path.Combine(stateDir, IssuanceRecordFormat.FileName), lines.SelectMany(l => l).ToArray(), FileModes.Private, CancellationToken.None).ConfigureAwait(false);
        return [.. lines.Select(_ => true)];
    }
}
