using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PemCertState.Inventory;

/// <summary>The web section: Apache httpd or NGINX serving PEM's web interface.</summary>
internal sealed partial class InventoryRules
{
    /// <summary>Apple platforms refuse TLS server certificates valid longer than this, whoever issued them.</summary>
    private static readonly TimeSpan _browserMaximumValidity = TimeSpan.FromDays(825);

    [GeneratedRegex(@"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex DnsName();

    private WebSpec? ResolveWeb(Dictionary<string, HostSpec> hosts, CaSpec ca)
    {
        if (Node("/web") is not JsonObject)
            return null;
        var host = DeclaredHost("/web/host", hosts) ?? "";
        var kind = String("/web/server") == "nginx" ? WebServerKind.Nginx : WebServerKind.Apache;
        var certificate = LocalPath(String("/web/certificate_file") ?? ".");
        var key = LocalPath(String("/web/key_file") ?? ".");
        var chain = String("/web/chain_file") is { } chainFile ? LocalPath(chainFile) : null;
        if (chain is not null && kind == WebServerKind.Nginx)
            ErrorAtValue("/web/chain_file", "web.chain_file: NGINX has no chain directive; it sends what certificate_file holds, so leave chain_file out");
        if (key == certificate)
            ErrorAtValue("/web/key_file", "web.key_file: must be another file than certificate_file");
        if (chain is not null && (chain == certificate || chain == key))
            ErrorAtValue("/web/chain_file", "web.chain_file: must be another file than certificate_file and key_file");

        var issuer = String("/web/issuer") switch
        {
            "trusted" => WebIssuer.Trusted,
            "managed" => WebIssuer.Managed,
            _ => ca.Source == CaSource.Trusted ? WebIssuer.Trusted : WebIssuer.Managed,
        };
        // A trusted web certificate goes through the same request/signed flow as the server's; the trusted CA's
        // certificate and folders are in the ca section, so it needs ca.source: trusted.
        if (issuer == WebIssuer.Trusted && ca.Source != CaSource.Trusted)
            ErrorAtValue("/web/issuer", "web.issuer: trusted needs ca.source: trusted, where the trusted CA's certificate, requests_dir and signed_dir are set; use issuer: managed");
        else if (issuer == WebIssuer.Managed && ca.Source == CaSource.Trusted)
            ErrorAtValue("/web/issuer", "web.issuer: managed signs with the inventory's own CA key, and a trusted CA gives none; use issuer: trusted");

        var subject = Subject("/web/subject");
        var names = WebNames(subject);
        var policy = Policy("web", _builtInLeafValidity, "/web");
        if (policy.Validity > _browserMaximumValidity)
            ErrorAtValue(Duration("/web/validity") is not null ? "/web/validity" : "/web",
                $"web.validity: browsers on Apple platforms refuse TLS server certificates valid longer than {Durations.Format(_browserMaximumValidity)}");

        return new WebSpec(
            host,
            kind,
            LocalPath(String("/web/config") ?? "."),
            String("/web/vhost"),
            certificate,
            key,
            chain,
            subject,
            names,
            issuer,
            policy,
            String("/web/owner"),
            String("/web/backup_dir") is { } backupDir ? LocalPath(backupDir) : Path.Combine(Path.GetDirectoryName(certificate) ?? "/", "certs"),
            String("/web/test"),
            String("/web/reload"),
            String("/web/address"));
    }

    /// <summary>subject_alt_names normalised (lower-case names, canonical IPs, no duplicates), or the subject's CN.</summary>
    private List<string> WebNames(string subject)
    {
        var names = new List<string>();
        if (Node("/web/subject_alt_names") is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not JsonValue value || value.GetValueKind() != JsonValueKind.String) continue;
                var at = JsonPointers.Append("/web/subject_alt_names", i);
                var name = NormalizeWebName(value.GetValue<string>());
                if (name is null)
                    ErrorAtValue(at, $"web.subject_alt_names: '{InventoryBounds.Excerpt(value.GetValue<string>())}' is neither a DNS name nor an IP address");
                else if (!names.Contains(name))
                    names.Add(name);
            }
            return names;
        }

        var (attributes, error) = DistinguishedNameSyntax.Parse(subject);
        var cn = error is null ? attributes.LastOrDefault(a => a.Key == "CN").Value : null;
        if (cn is not null && NormalizeWebName(cn) is { } fromCn)
            names.Add(fromCn);
        else if (subject.Length > 0 && error is null)
            ErrorAtValue("/web/subject", "web.subject: its CN is not a host name, so set subject_alt_names (browsers match only those)");
        return names;
    }

    /// <summary>"PEM.example.com" -> "pem.example.com", "::0001" -> "::1"; null when it is neither.</summary>
    internal static string? NormalizeWebName(string text)
    {
        var trimmed = text.Trim();
        if (IPAddress.TryParse(trimmed, out var ip) && (trimmed.Contains(':', StringComparison.Ordinal) || trimmed.Count(c => c == '.') == 3))
            return ip.ToString();
        return DnsName().IsMatch(trimmed) && trimmed.Length <= 253 ? trimmed.TrimEnd('.').ToLowerInvariant() : null;
    }
}
