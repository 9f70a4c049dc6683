using Org.BouncyCastle.X509;

namespace PemCertState.Observation;

public sealed record ObservedCrl(FileFacts File, X509Crl? Crl);
