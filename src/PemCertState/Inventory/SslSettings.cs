namespace PemCertState.Inventory;

/// <summary>PostgreSQL's SSL settings that pemstate manages and compares: in postgresql.conf, and as the running server has them.</summary>
internal static class SslSettings
{
    public static readonly IReadOnlyList<string> Names = ["ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file"];
}
