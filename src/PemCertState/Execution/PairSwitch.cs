using System.Text;
using PemCertState.Configuration;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// Installs a key and its certificate so that the pair a config names always belongs together, for any reader that finds
/// the pair through that config (PostgreSQL at reload or start: postgresql.conf's ssl_key_file / ssl_cert_file; an agent
/// that starts: agent.cfg's agent_ssl_key / agent_ssl_crt; Apache or NGINX at a reload: SSLCertificateKeyFile /
/// SSLCertificateFile or ssl_certificate_key / ssl_certificate in PEM's block), at any instant, a crash included. Two renames can never
/// replace two files at once, so the live names are replaced while nothing names them:
/// <list type="number">
/// <item>the new pair is written under staged names beside the live ones (<c>server.key.next</c>, <c>server.crt.next</c>);</item>
/// <item>the config is pointed at the staged pair (one atomic rename of the config);</item>
/// <item>the live names get the new pair, key then certificate;</item>
/// <item>the config gets its own bytes back (one atomic rename), and the staged pair is deleted.</item>
/// </list>
/// A kill anywhere in between leaves the staged copies, maybe with the config naming them: the next plan points the config at
/// the live names (its settings step, after the pair step) and removes them last (<see cref="Planning.LeftoverCleanup"/>).
/// The live names stay EDB's (server.key, agent&lt;ID&gt;.crt), so everything that expects them keeps working. A config that
/// names other files, or none yet, is not touched: nothing reads the live names through it, and the settings step that
/// points it at them comes after both are in place. A process that keeps the paths it read (a running PEM agent: libpq opens
/// them at each new connection) is not protected by this; its restart, next in the plan, gives it the new pair.
/// </summary>
internal static class PairSwitch
{
    /// <summary>
    /// The private key of a pair: its PEM, which pemstate holds (made here, or on the machine it runs on), or a file on the
    /// pair's own host (made there, or a trusted CA's pending key) with what it must hold, copied there and never sent.
    /// </summary>
    internal sealed record PairKey(string? Pem, string? PathOnHost, string? Sha256)
    {
        public static PairKey InMemory(string pem) => new(pem, null, null);

        public static PairKey OnHost(string path, string sha256) => new(null, path, sha256);
    }

    public static Task InstallAsync(IHost host, DesiredState desired, ResourceAddress address, string keyPath, string certificatePath,
        string keyPem, string certificatePem, string? owner, CancellationToken ct)
        => InstallAsync(host, desired, address, keyPath, certificatePath, PairKey.InMemory(keyPem), certificatePem, owner, ct);

    public static async Task InstallAsync(IHost host, DesiredState desired, ResourceAddress address, string keyPath, string certificatePath,
        PairKey key, string certificatePem, string? owner, CancellationToken ct)
    {
        // In this order, each change atomic, stopping at the first that fails; over SSH one round trip for all of them.
        var changes = await ChangesAsync(host, desired, address, keyPath, certificatePath, key, certificatePem, owner, ct).ConfigureAwait(false);
        await host.RunInOrderAsync(changes, ct).ConfigureAwait(false);
    }

    /// <summary>The switch's changes, in the order <see cref="IHost.RunInOrderAsync"/> must make them (a caller may send more after them).</summary>
    public static async Task<List<FileChange>> ChangesAsync(IHost host, DesiredState desired, ResourceAddress address, string keyPath, string certificatePath,
        PairKey key, string certificatePem, string? owner, CancellationToken ct)
    {
        var naming = Naming.Of(desired, address);
        // As last read or written here: the config's writes below go through only over that very text.
        var config = naming is null ? null : (await host.ReadKnownAsync([naming.Config], exact: true, ct).ConfigureAwait(false))[0];
        if (config?.Sealed is not null)
            throw new HostOperationException(host.Name, config.Path, "holds a private key block; pemstate will not rewrite it as a config");
        var changes = new List<FileChange>();
        if (naming is null || config is not { Exists: true } || !naming.Names(Encoding.UTF8.GetString(config.Content), keyPath, certificatePath))
        {
            WritePair(changes, keyPath, certificatePath, key, certificatePem, owner);
            // A key made under its staged name that no config stages: its copy under the live name is all that stays.
            if (key.PathOnHost == keyPath + StagedFiles.Suffix) changes.Add(new FileChange.Delete(key.PathOnHost));
        }
        else
        {
            var (stagedKey, stagedCertificate) = (keyPath + StagedFiles.Suffix, certificatePath + StagedFiles.Suffix);
            var mode = FileModes.Permissions(config.Mode);
            WritePair(changes, stagedKey, stagedCertificate, key, certificatePem, owner);
            var pointed = Encoding.UTF8.GetBytes(naming.Point(Encoding.UTF8.GetString(config.Content), stagedKey, stagedCertificate));
            changes.Add(new FileChange.Write(naming.Config, pointed, mode, config.Owner, Expected: config.Sha256));
            WritePair(changes, keyPath, certificatePath, key, certificatePem, owner);
            changes.Add(new FileChange.Write(naming.Config, config.Content, mode, config.Owner, Expected: Crypto.Fingerprints.Sha256Hex(pointed)));
            changes.Add(new FileChange.Delete(stagedKey));
            changes.Add(new FileChange.Delete(stagedCertificate));
        }
        return changes;
    }

    /// <summary>Key first: should the apply die between the two renames, the next plan finds a pair that does not match and replaces both.</summary>
    private static void WritePair(List<FileChange> changes, string keyPath, string certificatePath, PairKey key, string certificatePem, string? owner)
    {
        changes.Add(new FileChange.EnsureFolder(Path.GetDirectoryName(keyPath)!, FileModes.PrivateDirectory));
        if (key.Pem is { } pem)
            changes.Add(new FileChange.Write(keyPath, Encoding.ASCII.GetBytes(pem), FileModes.Private, owner));
        else if (key.PathOnHost != keyPath) // already there when the key was made under this staged name
            changes.Add(new FileChange.Copy(key.PathOnHost!, key.Sha256!, keyPath, FileModes.Private, owner));
        changes.Add(new FileChange.EnsureFolder(Path.GetDirectoryName(certificatePath)!, FileModes.PrivateDirectory));
        changes.Add(new FileChange.Write(certificatePath, Encoding.ASCII.GetBytes(certificatePem), FileModes.Private, owner));
    }

    /// <summary>The config that names a pair, and how it is read and pointed elsewhere.</summary>
    /// <param name="Read">The key and certificate the config's text names, as written (null: absent, or no default).</param>
    /// <param name="Same">Whether a name as written is this path.</param>
    /// <param name="Edit">The config's text with only the pair's two settings changed.</param>
    private sealed record Naming(string Config, Func<string, (string? Key, string? Certificate)> Read, Func<string, string, bool> Same,
        Func<string, string, string, string> Edit)
    {
        /// <summary>
        /// postgresql.conf for the server's pair, agent.cfg for an agent's, the web config (PEM's block) for the web server's;
        /// null for a pair read by fixed names (the CA's).
        /// </summary>
        public static Naming? Of(DesiredState desired, ResourceAddress address)
        {
            if (address == Addresses.ServerCertificate)
            {
                var conf = PemFiles.InDataDir(desired.Server, PemFiles.PostgresqlConf);
                return new Naming(conf,
                    text =>
                    {
                        var settings = PostgresqlConf.Read(text, ["ssl_key_file", "ssl_cert_file"]);
                        return (settings["ssl_key_file"] ?? PemFiles.ServerKey, settings["ssl_cert_file"] ?? PemFiles.ServerCertificate);
                    },
                    (name, path) => Planner.SamePath(desired.Server.DataDir, name, path),
                    (text, key, certificate) => PostgresqlConf.Edit(text, [new("ssl_key_file", key), new("ssl_cert_file", certificate)],
                        new HashSet<string>(Planner.QuotedSettings, StringComparer.OrdinalIgnoreCase)));
            }
            if (address is { IsAgentFile: true, Agent: { } id } && desired.Agents.List.FirstOrDefault(a => a.Id == id) is { } agent)
            {
                var folder = Path.GetDirectoryName(agent.Config) ?? "/";
                return new Naming(agent.Config,
                    text =>
                    {
                        var settings = AgentCfg.Read(text, ["agent_ssl_key", "agent_ssl_crt"]);
                        return (settings["agent_ssl_key"], settings["agent_ssl_crt"]);
                    },
                    (name, path) => Planner.SamePath(folder, name, path),
                    (text, key, certificate) => AgentCfg.Edit(text, [new("agent_ssl_key", key), new("agent_ssl_crt", certificate)]));
            }
            if (address == Addresses.WebCertificate && desired.Web is { } web)
            {
                var (keyDirective, certificateDirective) = (WebConfig.KeyDirective(web.Server), WebConfig.CertificateDirective(web.Server));
                return new Naming(web.Config,
                    text => WebConfig.Read(web, text) is { Problem: null } read
                        ? (read.Settings.GetValueOrDefault(keyDirective), read.Settings.GetValueOrDefault(certificateDirective)) : default,
                    WebReconciler.SameWebPath,
                    (text, key, certificate) => WebConfig.Edit(web, text, [new(keyDirective, key), new(certificateDirective, certificate)]));
            }
            return null;
        }

        /// <summary>Whether the config now names exactly this pair.</summary>
        public bool Names(string text, string keyPath, string certificatePath) =>
            Read(text) is ({ } key, { } certificate) && Same(key, keyPath) && Same(certificate, certificatePath);

        /// <summary>The config with only the pair's two settings changed.</summary>
        public string Point(string text, string keyPath, string certificatePath) => Edit(text, keyPath, certificatePath);
    }
}
