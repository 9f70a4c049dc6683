using Org.BouncyCastle.Crypto;
using PemCertState.Crypto;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// A private key file, as facts: its public key's fingerprint and kind, never the key. Where pemstate runs (transport:
/// local) the file is read and only its public half kept; a host that keeps its keys (SSH) reports the public half alone
/// (<see cref="KeptOnHost"/>). A step that needs the key signs, copies or reads it through its host, only while the file
/// still has the SHA-256 observed (<see cref="FileFacts.Sha256"/>).
/// </summary>
/// <param name="PublicKeySha256">SHA-256 of the key's SubjectPublicKeyInfo; null when the file is missing or not a readable key.</param>
public sealed record ObservedKey(FileFacts File, string? PublicKeySha256, KeySpec? Kind)
{
    /// <summary>The key's public half; null when the file is missing or not a readable key.</summary>
    public AsymmetricKeyParameter? Public { get; init; }

    /// <summary>The key's bytes stayed on its host: sign, copy and back it up there (<see cref="IHost.KeepsKeys"/>).</summary>
    public bool KeptOnHost { get; init; }

    /// <summary>A private key whose public half is known: it can be compared with a certificate.</summary>
    public bool Readable => PublicKeySha256 is not null;

    /// <summary>The one reading of a key file, wherever it was read: its bytes here, or what its host reported.</summary>
    public static ObservedKey Read(FileSnapshot file)
    {
        if (file.Sealed is { } sealedKey)
        {
            var publicKey = sealedKey.PublicKeyInfo is { } info ? KeyPairs.PublicKeyOf(info) : null;
            return new ObservedKey(FileFacts.From(file), publicKey is null ? null : Fingerprints.PublicKey(publicKey), Describe(publicKey))
            {
                Public = publicKey,
                KeptOnHost = true,
            };
        }
        // The key is parsed for its public half, which is all that is kept.
        var found = file.Exists ? PemCodec.DecodePrivateKey(file.Content)?.Public : null;
        return new ObservedKey(FileFacts.From(file), found is null ? null : Fingerprints.PublicKey(found), Describe(found))
        {
            Public = found,
        };
    }

    /// <summary>
    /// Reads a key file's PEM through the host it was observed on, only while it still has the SHA-256 observed and no other
    /// name: for the one use that needs the key itself (`verify --connect` logging in as an agent). Problem says why not.
    /// </summary>
    public delegate Task<(string? Pem, string? Problem)> Reader(FileFacts key, CancellationToken cancellationToken);

    /// <summary>The <see cref="Reader"/> of a run's hosts.</summary>
    public static Reader ReaderOn(HostSet hosts) => async (key, ct) =>
    {
        FileSnapshot file;
        try { file = await hosts[key.Host].ReadSharedKeyAsync(key.Path, key.Sha256, ct).ConfigureAwait(false); }
        catch (HostOperationException e) { return (null, e.Message); }
        try { return (System.Text.Encoding.ASCII.GetString(file.Content), null); }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(file.Content); }
    };

    private static KeySpec? Describe(AsymmetricKeyParameter? publicKey)
    {
        if (publicKey is null) return null;
        try { return KeyGenerator.Describe(publicKey); }
        catch (NotSupportedException) { return null; }
    }
}
