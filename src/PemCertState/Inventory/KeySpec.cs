namespace PemCertState.Inventory;

/// <summary>The kind of private key a certificate should have.</summary>
/// <param name="Size">RSA: modulus bits (2048..8192). ECDSA: curve size (256 for P-256, 384 for P-384).</param>
public sealed record KeySpec(KeyAlgorithm Algorithm, int Size)
{
    public static KeySpec Rsa(int bits) => new(KeyAlgorithm.Rsa, bits);
    public static KeySpec EcdsaP256 { get; } = new(KeyAlgorithm.Ecdsa, 256);
    public static KeySpec EcdsaP384 { get; } = new(KeyAlgorithm.Ecdsa, 384);

    /// <summary>"RSA 4096", "ECDSA P-256": the words used in plans and reasons.</summary>
    public override string ToString() => Algorithm == KeyAlgorithm.Rsa ? $"RSA {Size}" : $"ECDSA P-{Size}";
}
