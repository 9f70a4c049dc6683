using Org.BouncyCastle.X509;

namespace PemCertState.Observation;

/// <summary>root.crt: every certificate in it, in file order.</summary>
public sealed record ObservedBundle(FileFacts File, IReadOnlyList<X509Certificate> Certificates);
