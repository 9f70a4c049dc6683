using Org.BouncyCastle.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>A private key file. <see cref="Pair"/> is null when the file is missing or not a readable key. Never render Pair.</summary>
public sealed record ObservedKey(FileFacts File, AsymmetricCipherKeyPair? Pair, string? PublicKeySha256, KeySpec? Kind);
