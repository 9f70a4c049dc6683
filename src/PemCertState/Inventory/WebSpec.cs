namespace PemCertState.Inventory;

/// <summary>The web server (Apache httpd or NGINX) that serves PEM's web interface over HTTPS.</summary>
/// <param name="Config">The config file holding PEM's VirtualHost (Apache) or server block (NGINX); edited in place, never created.</param>
/// <param name="Vhost">Selects the block when the file has several: a VirtualHost address or listen argument, or a ServerName / server_name. Null: found by name, then by SSL (see README).</param>
/// <param name="ChainFile">Apache only: a file that receives the issuing CA certificate(s), named by SSLCertificateChainFile; null leaves that directive alone.</param>
/// <param name="SubjectAltNames">DNS names and IP addresses, normalised (lower-case names, canonical IPs); the subject's CN when the inventory gives none.</param>
/// <param name="Owner">User name that must own the key and certificate; null leaves ownership as it is.</param>
/// <param name="BackupDir">Absolute folder that receives backup sets (default: the certificate's folder + /certs).</param>
/// <param name="Test">Config test run before the reload (apachectl -t, nginx -t); a failure stops the apply before the reload.</param>
/// <param name="Reload">Shell command that makes the server load the new files; null: no reload is planned.</param>
/// <param name="Address">host:port that verify --connect opens a TLS connection to; null: not checked live.</param>
public sealed record WebSpec(
    string Host,
    WebServerKind Server,
    string Config,
    string? Vhost,
    string CertificateFile,
    string KeyFile,
    string? ChainFile,
    string Subject,
    IReadOnlyList<string> SubjectAltNames,
    WebIssuer Issuer,
    CertificatePolicy Policy,
    string? Owner,
    string BackupDir,
    string? Test,
    string? Reload,
    string? Address);
