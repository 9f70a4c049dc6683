namespace PemCertState.Facts;

/// <summary>
/// A private key as a host that keeps its keys reports it (<see cref="IHost.KeepsKeys"/>): the SHA-256 of the file, and the
/// key's public half, which is all pemstate compares. Its bytes stay on the host.
/// </summary>
/// <param name="Sha256">Lower-case hex of the file's content, as the host computed it.</param>
/// <param name="PublicKeyInfo">The key's SubjectPublicKeyInfo (DER); null when the host's openssl could not read the key (encrypted, damaged).</param>
public sealed record SealedKey(string Sha256, byte[]? PublicKeyInfo);
