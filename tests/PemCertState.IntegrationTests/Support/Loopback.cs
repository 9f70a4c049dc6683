using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PemCertState.IntegrationTests.Support;

/// <summary>What the fixtures' servers on loopback share: a free port, a throwaway certificate, and what a TLS client sees.</summary>
internal static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Returns once something accepts TCP connections on <paramref name="port"/>; throws the last refusal after <paramref name="timeout"/>.</summary>
    public static void WaitForListening(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>A self-signed P-256 certificate made by openssl, its key 0600: a web server's first certificate before pemstate runs.</summary>
    public static void SelfSigned(string name, string key, string certificate)
    {
        Processes.Check("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", $"/CN={name}", "-days", "30", "-keyout", key, "-out", certificate);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The certificate served on <paramref name="port"/> for <paramref name="serverName"/> (SNI), as `openssl s_client` prints it; Served is false when none came.</summary>
    public static (bool Served, string Output) ServedCertificate(int port, string serverName)
    {
        var (code, output) = Processes.Run("sh", ["-c",
            $"openssl s_client -connect 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} -servername {serverName} </dev/null 2>/dev/null | openssl x509"]);
        return (code == 0, output);
    }

    /// <summary>
    /// Asks <paramref name="served"/> until it returns <paramref name="pem"/> (whitespace aside): a reload or graceful
    /// restart returns before the new workers answer. Returns the last certificate seen.
    /// </summary>
    public static string WaitForServed(Func<string> served, string pem, TimeSpan timeout)
    {
        var want = Normalize(pem);
        var deadline = DateTime.UtcNow + timeout;
        string seen;
        do
        {
            try
            {
                seen = served();
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // Mid-reload a connection may get no certificate at all (old children gone, new ones not yet
                // answering); that is "not yet" too, until the deadline, when the failure is the answer.
                Thread.Sleep(200);
                continue;
            }
            if (Normalize(seen) == want) return seen;
            Thread.Sleep(200);
        }
        while (DateTime.UtcNow < deadline);
        return served();
    }

    private static string Normalize(string pem) => string.Concat(pem.Where(c => !char.IsWhiteSpace(c)));
}
