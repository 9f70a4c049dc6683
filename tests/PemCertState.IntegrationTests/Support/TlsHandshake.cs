using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace PemCertState.IntegrationTests.Support;

/// <summary>.NET's SslStream as a browser uses it: a TLS handshake trusting only one root, matching the host name.</summary>
internal static class TlsHandshake
{
    /// <summary>Returns the policy errors .NET found and the subject served by 127.0.0.1:<paramref name="port"/> for <paramref name="serverName"/>.</summary>
    public static async Task<(SslPolicyErrors Errors, string Subject)> RunAsync(int port, string serverName, string caFile)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var errors = SslPolicyErrors.None;
        var subject = "";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
            RemoteCertificateValidationCallback = (_, certificate, _, policyErrors) =>
            {
                errors = policyErrors;
                subject = certificate?.Subject ?? "";
                return true;
            },
        });
        return (errors, subject);
    }
}
