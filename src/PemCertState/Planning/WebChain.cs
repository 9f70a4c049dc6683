using Org.BouncyCastle.X509;

namespace PemCertState.Planning;

/// <summary>What web.chain_file must hold, as the issuer of the web certificate decides it.</summary>
/// <param name="Certificates">Exactly these, in this order.</param>
/// <param name="What">The same in words, for a reason: "exactly the CA certificate /CN=pem-ca".</param>
/// <param name="Source">Where the write takes them from (a <see cref="WriteBundleStep"/>'s source).</param>
/// <param name="Bundle">Which of the source's certificates, by SHA-256; null for all of it.</param>
/// <param name="Replaced">The CA is replaced in this apply, in words: the chain file must follow, whatever it holds now.</param>
internal sealed record WebChain(IReadOnlyList<X509Certificate> Certificates, string What, string Source, IReadOnlyList<string>? Bundle, string? Replaced = null);
