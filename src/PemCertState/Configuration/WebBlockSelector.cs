namespace PemCertState.Configuration;

/// <summary>How pemstate finds PEM's block (Apache VirtualHost, NGINX server) in a web server config.</summary>
/// <param name="Vhost">web.vhost: the block whose address (VirtualHost argument, listen argument) or server name equals it. Null: by name, then by SSL.</param>
/// <param name="Names">The web certificate's names (CN and subjectAltNames), lower case: a block whose ServerName / server_name is one of them is PEM's.</param>
internal sealed record WebBlockSelector(string? Vhost, IReadOnlyList<string> Names);
