using System.Text;
using PemCertState.Configuration;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// Installs a key and its certificate so that the pair a config names always belongs together, for any reader that finds
/// the pair through that config (PostgreSQL at reload or start: postgresql.conf's ssl_key_file / ssl_cert_file; an agent
/// that starts: agent.cfg's agent_ssl_key / agent_ssl_crt), at any instant, a crash included. Two renames can never
/// replace two files at once, so the live names are replaced while nothing names them:
/// <list type="number">
/// <item>the new pair is written under staged names beside the live ones (<c>server.key.next</c>, <c>server.crt.next</c>);</item>
/// <item>the config is pointed at the staged pair (one atomic rename of the config);</item>
/// <item>the live names get the new pair, key then certificate;</item>
/// <item>the config gets its own bytes back (one atomic rename), and the staged pair is deleted.</item>
/// </list>
/// The live names stay EDB's (server.key, agent&lt;ID&gt;.crt), so everything that expects them keeps working. A config that
/// names other files, or none yet, is not touched: nothing reads the live names through it, and the settings step that
/// points it at them comes after both are in place. A process that keeps the paths it read (a running PEM agent: libpq opens
/// them at each new connection) is not protected by this; its restart, next in the plan, gives it the new pair.
/// </summary>
internal static class PairSwitch
{
    /// <summary>Appended to a live name for its staged copy.</summary>
    public const string Staged = ".next";

    /// <summary>
    /// Every staged copy a switch may write, from the inventory only: a kill inside <see cref="InstallAsync"/> leaves some of
    /// them whole (a private key among them), and maybe the config naming them. The planner removes those it can prove are
    /// its own (<see cref="Planning.LeftoverCleanup"/>) once the config names the live pair again.
    /// </summary>
    public static IEnumerable<(string Host, string Path, string? Owner)> StagedPaths(DesiredState desired)
    {
        var server = desired.Server;
        yield return (server.Host, PemFiles.InDataDir(server, PemFiles.ServerKey) + Staged, server.Owner);
        yield return (server.Host, PemFiles.InDataDir(server, PemFiles.ServerCertificate) + Staged, server.Owner);
        foreach (var agent in desired.Agents.List)
        {
            yield return (agent.Host, PemFiles.AgentKey(desired.Agents, agent) + Staged, agent.Owner);
            yield return (agent.Host, PemFiles.AgentCertificate(desired.Agents, agent) + Staged, agent.Owner);
        }
    }

    public static async Task InstallAsync(IHost host, DesiredState desired, string address, string keyPath, string certificatePath,
        string keyPem, string certificatePem, string? owner, CancellationToken ct)
    {
        var naming = Naming.Of(desired, address);
        var config = naming is null ? null : await host.ReadAsync(naming.Config, ct).ConfigureAwait(false);
        if (naming is null || config is not { Exists: true } || !naming.Names(Encoding.UTF8.GetString(config.Content), keyPath, certificatePath))
        {
            await WritePairAsync(host, keyPath, certificatePath, keyPem, certificatePem, owner, ct).ConfigureAwait(false);
            return;
        }
        var (stagedKey, stagedCertificate) = (keyPath + Staged, certificatePath + Staged);
        var mode = FileModes.Permissions(config.Mode);
        await WritePairAsync(host, stagedKey, stagedCertificate, keyPem, certificatePem, owner, ct).ConfigureAwait(false);
        var pointed = naming.Point(Encoding.UTF8.GetString(config.Content), stagedKey, stagedCertificate);
        await host.WriteAtomicAsync(naming.Config, Encoding.UTF8.GetBytes(pointed), mode, config.Owner, ct).ConfigureAwait(false);
        await WritePairAsync(host, keyPath, certificatePath, keyPem, certificatePem, owner, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(naming.Config, config.Content, mode, config.Owner, ct).ConfigureAwait(false);
        await host.DeleteAsync(stagedKey, ct).ConfigureAwait(false);
        await host.DeleteAsync(stagedCertificate, ct).ConfigureAwait(false);
    }

    /// <summary>Key first: should the apply die between the two renames, the next plan finds a pair that does not match and replaces both.</summary>
    private static async Task WritePairAsync(IHost host, string keyPath, string certificatePath, string keyPem, string certificatePem, string? owner, CancellationToken ct)
    {
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(keyPath)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(keyPath, Encoding.ASCII.GetBytes(keyPem), FileModes.Private, owner, ct).ConfigureAwait(false);
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(certificatePath)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(certificatePath, Encoding.ASCII.GetBytes(certificatePem), FileModes.Private, owner, ct).ConfigureAwait(false);
    }

    /// <summary>The config that names a pair, and how.</summary>
    /// <param name="KeyDefault">What PostgreSQL uses when the setting is absent (agent.cfg has no defaults).</param>
    private sealed record Naming(string Config, string KeySetting, string CertificateSetting, bool Postgresql, string? KeyDefault, string? CertificateDefault)
    {
        /// <summary>postgresql.conf for the server's pair, agent.cfg for an agent's; null for a pair read by fixed names (the CA's) or by a web server (read on reload only).</summary>
        public static Naming? Of(DesiredState desired, string address)
        {
            if (address == Addresses.ServerCertificate)
                return new Naming(PemFiles.InDataDir(desired.Server, PemFiles.PostgresqlConf), "ssl_key_file", "ssl_cert_file", true,
                    PemFiles.ServerKey, PemFiles.ServerCertificate);
            if (Addresses.AgentId(address) is { } id && desired.Agents.List.FirstOrDefault(a => a.Id == id) is { } agent)
                return new Naming(agent.Config, "agent_ssl_key", "agent_ssl_crt", false, null, null);
            return null;
        }

        /// <summary>What relative names in the config are relative to: the data directory, or agent.cfg's folder.</summary>
        private string Folder => Path.GetDirectoryName(Config) ?? "/";

        /// <summary>Whether the config now names exactly this pair.</summary>
        public bool Names(string text, string keyPath, string certificatePath)
        {
            var settings = Postgresql ? PostgresqlConf.Read(text, [KeySetting, CertificateSetting]) : AgentCfg.Read(text, [KeySetting, CertificateSetting]);
            return (settings[KeySetting] ?? KeyDefault) is { } key && Planner.SamePath(Folder, key, keyPath)
                && (settings[CertificateSetting] ?? CertificateDefault) is { } certificate && Planner.SamePath(Folder, certificate, certificatePath);
        }

        /// <summary>The config with only the pair's two settings changed.</summary>
        public string Point(string text, string keyPath, string certificatePath)
        {
            KeyValuePair<string, string>[] settings = [new(KeySetting, keyPath), new(CertificateSetting, certificatePath)];
            return Postgresql
                ? PostgresqlConf.Edit(text, settings, new HashSet<string>(Planner.QuotedSettings, StringComparer.OrdinalIgnoreCase))
                : AgentCfg.Edit(text, settings);
        }
    }
}
