using Org.BouncyCastle.Crypto;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// A private key file, as facts: its public key's fingerprint and kind. <see cref="Pair"/> is the key itself only where
/// pemstate runs (transport: local); a host that keeps its keys (SSH) reports the public half alone (<see cref="KeptOnHost"/>).
/// Never render Pair.
/// </summary>
/// <param name="PublicKeySha256">SHA-256 of the key's SubjectPublicKeyInfo; null when the file is missing or not a readable key.</param>
public sealed record ObservedKey(FileFacts File, AsymmetricCipherKeyPair? Pair, string? PublicKeySha256, KeySpec? Kind)
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
            return new ObservedKey(FileFacts.From(file), null, publicKey is null ? null : Fingerprints.PublicKey(publicKey), Describe(publicKey))
            {
                Public = publicKey,
                KeptOnHost = true,
            };
        }
        var pair = file.Exists ? PemCodec.DecodePrivateKey(file.Content) : null;
        return new ObservedKey(FileFacts.From(file), pair, pair is null ? null : Fingerprints.PublicKey(pair.Public), Describe(pair?.Public))
        {
            Public = pair?.Public,
        };
    }

    private static KeySpec? Describe(AsymmetricKeyParameter? publicKey)
    {
        if (publicKey is null) return null;
        try { return KeyGenerator.Describe(publicKey); }
        catch (NotSupportedException) { return null; }
    }
}
