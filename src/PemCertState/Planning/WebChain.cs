using Org.BouncyCastle.X509;

namespace PemCertState.Planning;

/// <summary>What web.chain_file must hold, as the issuer of the web certificate decides it.</summary>
/// <param name="Certificates">Exactly these, in this order.</param>
/// <param name="What">The same in words, for a reason: "exactly the CA certificate /CN=pem-ca".</param>
/// <param name="Source">Where the write takes them from (a <see cref="WriteBundleStep"/>'s source).</param>
/// <param name="Bundle">Which of the source's certificates, by SHA-256; null for all of it.</param>
/// <param name="Replaced">The managed CA is replaced in this apply, in words ("a new CA is created"): the chain file must hold
/// the new CA certificate, whatever it holds now; <paramref name="Certificates"/> is then empty (that certificate does not exist yet).</param>
internal sealed record WebChain(IReadOnlyList<X509Certificate> Certificates, string What, string Source, IReadOnlyList<string>? Bundle, string? Replaced = null);
