using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Verification;

namespace PemCertState.Application;

/// <summary>
/// `pemstate verify --connect` for the web server: a TLS handshake with web.address (SNI: the first DNS name),
/// as a browser would make it, and three checks on what it serves: the certificate on disk (else the server was
/// not reloaded), valid for every configured name, and chaining to root.crt (the managed CA).
/// </summary>
public static class WebTlsCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<WebTlsReport> CheckAsync(WebSpec web, ObservedWeb seen, IReadOnlyList<Org.BouncyCastle.X509.X509Certificate> anchors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(anchors);
        var address = web.Address ?? throw new ArgumentException("web.address is not set", nameof(web));
        var path = seen.Certificate.File.Path;
        var (host, port) = Split(address);
        var serverName = web.SubjectAltNames.FirstOrDefault(n => !System.Net.IPAddress.TryParse(n, out _)) ?? host;

        X509Certificate2? served = null;
        var presented = new X509Certificate2Collection();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            await using var tls = new SslStream(tcp.GetStream(), false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                // Accept anything here: the checks below say what is wrong, in words, instead of one handshake error.
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (certificate is not null) served = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    foreach (var element in chain?.ChainElements ?? Enumerable.Empty<X509ChainElement>())
                        presented.Add(X509CertificateLoader.LoadCertificate(element.Certificate.RawData));
                    return true;
                },
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (served is null)
            {
                var why = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : e.Message;
                return new WebTlsReport(address, serverName, null, [new Finding(Addresses.WebCertificate, web.Host, path, $"no TLS connection to {address}: {why}")]);
            }
        }
        if (served is null)
            return new WebTlsReport(address, serverName, null, [new Finding(Addresses.WebCertificate, web.Host, path, $"{address} presented no certificate")]);

        var findings = new List<Finding>();
        var sha256 = Fingerprints.Sha256Hex(served.RawData);
        if (seen.Certificate.Certificate is { } disk && Fingerprints.Sha256Hex(disk.GetEncoded()) != sha256)
            findings.Add(new Finding(Addresses.WebCertificate, web.Host, path,
                $"{address} serves {served.Subject} (serial {served.SerialNumber}), not {Path.GetFileName(path)} on disk: reload the web server (web.reload)"));
        foreach (var name in web.SubjectAltNames.Where(n => !served.MatchesHostname(n, allowWildcards: true, allowCommonName: false)))
            findings.Add(new Finding(Addresses.WebCertificate, web.Host, path, $"the certificate {address} serves is not valid for {name}"));

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        foreach (var anchor in anchors) chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(anchor.GetEncoded()));
        chain.ChainPolicy.ExtraStore.AddRange(presented);
        if (!chain.Build(served))
            findings.Add(new Finding(Addresses.WebCertificate, web.Host, path,
                $"the certificate {address} serves does not verify against root.crt: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())}"));
        var summary = CertificateSummary.From(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(served.RawData));
        foreach (var element in presented) element.Dispose();
        served.Dispose();
        return new WebTlsReport(address, serverName, summary, findings);
    }

    private static (string Host, int Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        var host = address[..colon].Trim('[', ']');
        return (host, int.Parse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
