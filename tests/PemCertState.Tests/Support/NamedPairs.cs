using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Tests.Support;

/// <summary>The key and certificate a config names now, as its reader would find them, and whether they belong together.</summary>
internal static class NamedPairs
{
    /// <summary>agent.cfg's agent_ssl_key and agent_ssl_crt, relative names taken from agent.cfg's folder.</summary>
    public static (string Key, string Certificate) InAgentCfg(string config)
    {
        var settings = AgentCfg.Read(File.ReadAllText(config), ["agent_ssl_key", "agent_ssl_crt"]);
        var folder = Path.GetDirectoryName(config)!;
        return (Path.GetFullPath(settings["agent_ssl_key"]!, folder), Path.GetFullPath(settings["agent_ssl_crt"]!, folder));
    }

    /// <summary>postgresql.conf's ssl_key_file and ssl_cert_file, with PostgreSQL's defaults, relative to the data directory.</summary>
    public static (string Key, string Certificate) InPostgresqlConf(string dataDir, string conf)
    {
        var settings = PostgresqlConf.Read(File.ReadAllText(conf), ["ssl_key_file", "ssl_cert_file"]);
        return (Path.GetFullPath(settings["ssl_key_file"] ?? "server.key", dataDir), Path.GetFullPath(settings["ssl_cert_file"] ?? "server.crt", dataDir));
    }

    /// <summary>The key and certificate PEM's block of the web config names, as the web server reads them at a reload.</summary>
    public static (string Key, string Certificate) InWebConfig(WebSpec web)
    {
        var read = WebConfig.Read(web, File.ReadAllText(web.Config));
        if (read.Problem is { } problem) throw new InvalidOperationException(problem);
        return (read.Settings[WebConfig.KeyDirective(web.Server)]!, read.Settings[WebConfig.CertificateDirective(web.Server)]!);
    }

    /// <summary>"matches", or what is wrong with the pair <paramref name="config"/> names now.</summary>
    public static string Describe(string config, (string Key, string Certificate) named)
    {
        if (!File.Exists(named.Key) || !File.Exists(named.Certificate)) return $"{config} names {named.Key} / {named.Certificate}, which are not both there";
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(named.Key))!;
        var certificate = PemCodec.DecodeCertificates(File.ReadAllBytes(named.Certificate))[0];
        return Fingerprints.PublicKey(key.Public) == Fingerprints.PublicKey(certificate.GetPublicKey())
            ? "matches" : $"{named.Key} does not belong to {named.Certificate}";
    }
}
