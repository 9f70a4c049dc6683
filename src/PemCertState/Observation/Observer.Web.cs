using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    private async Task<ObservedWeb> ObserveWebAsync(WebSpec web, CancellationToken ct)
    {
        var host = hosts[web.Host];
        var key = host.ReadAsync(web.KeyFile, ct);
        var certificate = host.ReadAsync(web.CertificateFile, ct);
        var config = host.ReadAsync(web.Config, ct);
        var chainFile = web.ChainFile is { } chainPath ? await host.ReadAsync(chainPath, ct).ConfigureAwait(false) : null;
        var configFile = await config.ConfigureAwait(false);
        var certificateFile = await certificate.ConfigureAwait(false);
        return new ObservedWeb(
            ReadKey(await key.ConfigureAwait(false)),
            ReadCertificate(certificateFile),
            chainFile is null ? null : new ObservedBundle(FileFacts.From(chainFile), PemCodec.DecodeCertificates(chainFile.Content)),
            FileFacts.From(configFile),
            configFile.Exists
                ? WebConfig.Read(web, Text(configFile))
                : new WebConfigRead(null, "the file does not exist", WebConfig.Directives(web.Server).ToDictionary(d => d, _ => (string?)null)))
        {
            AfterLeaf = certificateFile.Exists ? [.. PemCodec.DecodeCertificates(certificateFile.Content).Skip(1)] : [],
        };
    }
}
