namespace PemCertState.Configuration;

/// <summary>One VirtualHost or server block: its opening and closing line, and what identifies it.</summary>
/// <param name="Addresses">VirtualHost arguments (*:8443) or the first argument of each listen.</param>
/// <param name="ServerNames">ServerName (without scheme or port) and ServerAlias, or server_name; lower case.</param>
/// <param name="Ssl">SSLEngine on, or a listen with ssl.</param>
internal sealed record WebBlock(
    int Open, int Close, string Label, IReadOnlyList<string> Addresses, IReadOnlyList<string> ServerNames, bool Ssl, IReadOnlyList<WebDirective> Directives);
