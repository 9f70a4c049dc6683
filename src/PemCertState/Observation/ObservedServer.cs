namespace PemCertState.Observation;

public sealed record ObservedServer(
    ObservedKey CaKey,
    ObservedCertificate CaCertificate,
    ObservedBundle Root,
    ObservedCrl Crl,
    ObservedKey Key,
    ObservedCertificate Certificate,
    ObservedConfig Settings);
