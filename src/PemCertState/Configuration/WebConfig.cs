using PemCertState.Inventory;

namespace PemCertState.Configuration;

/// <summary>The web server's config, whichever server it is: directive names, PEM's block, reading and editing.</summary>
internal static class WebConfig
{
    public static string CertificateDirective(WebServerKind kind) => kind == WebServerKind.Nginx ? NginxConf.CertificateDirective : ApacheConf.CertificateDirective;

    public static string KeyDirective(WebServerKind kind) => kind == WebServerKind.Nginx ? NginxConf.KeyDirective : ApacheConf.KeyDirective;

    /// <summary>Null for NGINX, which reads the chain from the certificate file.</summary>
    public static string? ChainDirective(WebServerKind kind) => kind == WebServerKind.Nginx ? null : ApacheConf.ChainDirective;

    public static IReadOnlyList<string> Directives(WebServerKind kind) =>
        ChainDirective(kind) is { } chain ? [CertificateDirective(kind), KeyDirective(kind), chain] : [CertificateDirective(kind), KeyDirective(kind)];

    /// <summary>web.vhost, and the certificate's names (SANs and the CN) for finding PEM's block by server name.</summary>
    public static WebBlockSelector SelectorFor(WebSpec web)
    {
        ArgumentNullException.ThrowIfNull(web);
        var names = web.SubjectAltNames.ToList();
        var (attributes, error) = DistinguishedNameSyntax.Parse(web.Subject);
        if (error is null && attributes.LastOrDefault(a => a.Key == "CN").Value is { } cn && !names.Contains(cn.ToLowerInvariant()))
            names.Add(cn.ToLowerInvariant());
        return new WebBlockSelector(web.Vhost, names);
    }

    public static WebConfigRead Read(WebSpec web, string text)
    {
        ArgumentNullException.ThrowIfNull(web);
        return web.Server == WebServerKind.Nginx
            ? NginxConf.Read(text, SelectorFor(web), Directives(web.Server))
            : ApacheConf.Read(text, SelectorFor(web), Directives(web.Server));
    }

    /// <exception cref="FormatException">No block can be taken as PEM's.</exception>
    public static string Edit(WebSpec web, string text, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(web);
        return web.Server == WebServerKind.Nginx
            ? NginxConf.Edit(text, SelectorFor(web), settings)
            : ApacheConf.Edit(text, SelectorFor(web), settings);
    }
}
