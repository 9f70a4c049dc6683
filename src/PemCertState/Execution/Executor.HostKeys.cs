using System.Diagnostics;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// Keys born where they live. On a host that keeps its keys (<see cref="IHost.KeepsKeys"/>: SSH), a key is made there by the
/// host's openssl, under the staged name beside its live one (<c>agent.key.next</c>, which a crash leaves to the leftover
/// cleanup), and only its public half comes back; its certificate is signed where the CA key lives (on the server's host,
/// the to-be-signed bytes going there and the signature back), and the pair switch copies it to its live name on the host.
/// Nothing of a private key crosses the network. The one exception is PEM's common-user mode: its one key is held by
/// every agent, so it is made here and sent to each, as before.
/// </summary>
internal sealed partial class Executor
{
    /// <summary>Where a key of the plan is made on its own host, and who owns it there.</summary>
    private sealed record KeyHome(string Path, string? Owner);

    /// <summary>A key made (or found) on its host in this apply: where it is now, what that file holds, and its public half.</summary>
    private sealed record HostKey(string Host, string Path, string Sha256, AsymmetricKeyParameter Public);

    /// <summary>
    /// The plan's keys to make on their hosts: a key whose host keeps its keys and whose one use is a pair installed on that
    /// same host (or a trusted CA's pending key there). Others (local hosts, the common-user pair) are made in process.
    /// </summary>
    private Dictionary<ResourceAddress, KeyHome> KeyHomes(Plan plan)
    {
        var homes = new Dictionary<ResourceAddress, KeyHome>();
        foreach (var generate in plan.Steps.OfType<GenerateKeyStep>())
        {
            if (!hosts[generate.Host].KeepsKeys) continue;
            var uses = plan.Steps.Where(s => s is InstallStep { Source: var source } ? source == generate.Address
                : s is RequestSignatureStep && s.Address == generate.Address).ToList();
            if (uses is not [var use] || use.Host != generate.Host) continue;
            homes[generate.Address] = use switch
            {
                RequestSignatureStep request => new KeyHome(request.PendingKey, request.Owner),
                InstallStep install => new KeyHome(install.KeyPath + StagedFiles.Suffix, install.Owner),
                _ => throw new UnreachableException(),
            };
        }
        return homes;
    }

    private async Task GenerateOnHostAsync(GenerateKeyStep step, KeyHome home, IHost host, Run run, CancellationToken ct)
    {
        var made = await host.GenerateKeyAsync(home.Path, step.Key, home.Owner, ct).ConfigureAwait(false);
        var publicKey = made.PublicKeyInfo is { } info ? KeyPairs.PublicKeyOf(info) : null;
        run.HostKeys[step.Address] = new HostKey(step.Host, home.Path, made.Sha256,
            publicKey ?? throw new StepFailedException($"{home.Path} on {step.Host}: the host's openssl reported no usable public key"));
        Log.KeyMadeOnHost(logger, step.Address.ToString(), step.Key.ToString(), step.Host, home.Path);
    }

    /// <summary>A trusted CA's pending key made on its host in this apply, for the request it signs there.</summary>
    private static Func<ResourceAddress, SignedCertificates.KeptKey?> TrustedKeyOnHost(Run run) =>
        address => run.HostKeys.TryGetValue(address, out var kept) ? new SignedCertificates.KeptKey(kept.Path, kept.Sha256, kept.Public) : null;

    /// <summary>The public half of the key made for <paramref name="address"/> in this apply, wherever it was made.</summary>
    private static AsymmetricKeyParameter PublicKeyOf(Run run, ResourceAddress address) =>
        run.Keys.TryGetValue(address, out var pair) ? pair.Public
        : run.HostKeys.TryGetValue(address, out var kept) ? kept.Public
        : throw new StepFailedException($"no key was made for {address}");

    /// <summary>Signs with the key made for <paramref name="address"/> on its host, wherever the pair switch has moved it by then.</summary>
    private RemoteSigner SignerOnHost(Run run, ResourceAddress address, AsymmetricKeyParameter publicKey) =>
        RemoteSigner.For(publicKey, (data, ct) =>
        {
            var key = run.HostKeys[address];
            return hosts[key.Host].SignAsync(key.Path, key.Sha256, data, RemoteSigner.AlgorithmFor(publicKey).Digest, ct);
        });

    /// <summary>Signs with a key observed on a host that keeps it (ca_key.key on the server's host), only while it is still that key.</summary>
    private RemoteSigner SignerFor(ObservedKey key) =>
        RemoteSigner.For(key.Public ?? throw new StepFailedException($"{key.File.Path} is not a readable private key"),
            (data, ct) => hosts[key.File.Host].SignAsync(key.File.Path, key.File.Sha256, data, RemoteSigner.AlgorithmFor(key.Public).Digest, ct));

    /// <summary>
    /// The CA an observed key and certificate make: signing on the host that keeps the key, or, where pemstate runs, with
    /// the key this apply read at its start (<see cref="ReadCaKeyHereAsync"/>).
    /// </summary>
    private CertificateAuthority? ObservedCa(Run run, ObservedKey key, X509Certificate? certificate) =>
        certificate is null || key.Public is null ? null
        : key.KeptOnHost ? new CertificateAuthority(certificate, SignerFor(key))
        : ReferenceEquals(key, run.Observed.Server.CaKey) && run.CaKeyHere is { } pair ? new CertificateAuthority(certificate, pair.Private)
        : null;

    /// <summary>
    /// ca_key.key where pemstate runs, read once before any step, only while it is the key observed (its SHA-256, one name):
    /// observation keeps its public half alone, and a CA rotation replaces the file before the old CA's last CRL may be
    /// signed. Null when the plan signs nothing with it, or the key is kept on its host.
    /// </summary>
    private async Task<AsymmetricCipherKeyPair?> ReadCaKeyHereAsync(Plan plan, ObservedState observed, CancellationToken ct)
    {
        var key = observed.Server.CaKey;
        if (key.KeptOnHost || !key.Readable) return null;
        if (!plan.Steps.Any(s => s is IssueStep or WriteCrlStep or WriteBundleStep)) return null;
        return await ReadKeyHereAsync(key, ct).ConfigureAwait(false);
    }

    /// <summary>A key file where pemstate runs, read through its host only while it has the SHA-256 observed; its bytes cleared after.</summary>
    private async Task<AsymmetricCipherKeyPair> ReadKeyHereAsync(ObservedKey key, CancellationToken ct)
    {
        var file = await hosts[key.File.Host].ReadSharedKeyAsync(key.File.Path, key.File.Sha256, ct).ConfigureAwait(false);
        try
        {
            return PemCodec.DecodePrivateKey(file.Content)
                ?? throw new StepFailedException($"{key.File.Path} on {key.File.Host} is no longer a readable private key; run pemstate plan again");
        }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(file.Content); }
    }

    /// <summary>The private key of a pair to install: bytes pemstate holds, or a file on the pair's host to copy there.</summary>
    private async Task<PairSwitch.PairKey> PairKeyOf(InstallStep step, Run run, CancellationToken ct)
    {
        var source = step.Source;
        if (run.HostKeys.TryGetValue(source, out var kept) && kept.Host == step.Host) return PairSwitch.PairKey.OnHost(kept.Path, kept.Sha256);
        if (run.Keys.TryGetValue(source, out var pair)) return PairSwitch.PairKey.InMemory(PemCodec.EncodePrivateKey(pair.Private));
        if (source is { IsAgentFile: true, Agent: { } id } && run.Observed.Agents.TryGetValue(id, out var agent) && agent.Key.Readable)
        {
            // Copied on its host (checked there against the SHA-256 observed), wherever pemstate runs.
            var file = agent.Key.File;
            if (file.Host == step.Host) return PairSwitch.PairKey.OnHost(file.Path, file.Sha256);
            // PEM's common-user mode: one key on every agent. Sharing it across hosts means moving it; only this does.
            // The host sends it only while it is the key observed (its SHA-256), in a file with no other name.
            var shared = await hosts[file.Host].ReadSharedKeyAsync(file.Path, file.Sha256, ct).ConfigureAwait(false);
            try
            {
                if (!shared.Exists || shared.Sha256 != file.Sha256)
                    throw new StepFailedException($"{file.Path} on {file.Host} changed since it was observed; run pemstate plan again");
                return PairSwitch.PairKey.InMemory(System.Text.Encoding.ASCII.GetString(shared.Content));
            }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(shared.Content); }
        }
        throw new StepFailedException($"no key and certificate to install from {source}");
    }
}
