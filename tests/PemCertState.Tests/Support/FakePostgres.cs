using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace PemCertState.Tests.Support;

/// <summary>
/// A stranger on the database's address: a listener on 127.0.0.1 that speaks just enough of PostgreSQL's protocol to be
/// logged in to. It answers the SSLRequest with 'S', does the TLS handshake with <c>certificate</c>, asks for a
/// cleartext password, and records every byte the client sends after the handshake. One connection, then it stops.
/// </summary>
internal sealed class FakePostgres : IDisposable
{
    /// <summary>SSLRequest: length 8, code 80877103.</summary>
    public static readonly byte[] SslRequest = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f];

    /// <summary>GSSENCRequest (code 80877104): answered 'N', as a server without GSSAPI does, before the SSLRequest.</summary>
    private static readonly byte[] GssEncRequest = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x30];

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;

    public int Port { get; }

    /// <summary>What the one connection brought; completes when the client is done or 10 s have passed.</summary>
    public Task<Session> Served { get; }

    /// <param name="SslRequested">The first packet was the SSLRequest.</param>
    /// <param name="AfterHandshake">Every byte received inside TLS: the startup message, the password message.</param>
    public sealed record Session(bool SslRequested, byte[] AfterHandshake)
    {
        /// <summary>
        /// The client went on to log in. Not "the handshake completed": with TLS 1.3 the server's side of the handshake
        /// completes before the client has judged the certificate, and a client that refuses it just hangs up.
        /// </summary>
        public bool LoggedIn => AfterHandshake.Length > 0;
    }

    public FakePostgres(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Served = ServeAsync();
    }

    private async Task<Session> ServeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = await _listener.AcceptTcpClientAsync(timeout.Token);
        var network = client.GetStream();
        var first = new byte[8];
        await network.ReadExactlyAsync(first, timeout.Token);
        if (first.AsSpan().SequenceEqual(GssEncRequest))
        {
            await network.WriteAsync("N"u8.ToArray(), timeout.Token);
            await network.ReadExactlyAsync(first, timeout.Token);
        }
        if (!first.AsSpan().SequenceEqual(SslRequest)) return new Session(false, []);
        await network.WriteAsync("S"u8.ToArray(), timeout.Token);

        await using var tls = new SslStream(network);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, timeout.Token);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            // The client refused the certificate (or hung up): nothing of its login can have arrived.
            return new Session(true, []);
        }
        var received = new MemoryStream();
        try
        {
            // Startup message: int32 length (itself included), then protocol version and parameters.
            var startup = await ReadAsync(tls, 4, received, timeout.Token);
            await ReadAsync(tls, BinaryPrimitives.ReadInt32BigEndian(startup) - 4, received, timeout.Token);
            // AuthenticationCleartextPassword: 'R', length 8, code 3.
            await tls.WriteAsync(new byte[] { (byte)'R', 0, 0, 0, 8, 0, 0, 0, 3 }, timeout.Token);
            // PasswordMessage: 'p', int32 length, the password and a zero byte.
            var header = await ReadAsync(tls, 5, received, timeout.Token);
            await ReadAsync(tls, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4, received, timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // The client stopped early; what it sent until then is the record.
        }
        return new Session(true, received.ToArray());
    }

    private static async Task<byte[]> ReadAsync(Stream stream, int count, MemoryStream record, CancellationToken ct)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0) break;
            record.Write(buffer, read, n);
            read += n;
        }
        if (read < count) throw new IOException("the client closed the connection");
        return buffer;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        _certificate.Dispose();
    }
}
