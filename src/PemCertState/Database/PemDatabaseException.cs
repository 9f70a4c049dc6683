namespace PemCertState.Database;

/// <summary>The PEM database could not be reached or refused a command. The message never holds a password.</summary>
internal sealed class PemDatabaseException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The server's certificate failed verification: waiting and trying again would not change that.</summary>
    public bool CertificateRefused { get; init; }

    /// <summary>SHA-256 of the certificate the server presented when it was refused; never trusted, only compared with server.crt.</summary>
    public string? RefusedCertificateSha256 { get; init; }
}
