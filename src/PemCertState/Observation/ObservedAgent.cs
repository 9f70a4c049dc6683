namespace PemCertState.Observation;

public sealed record ObservedAgent(int Id, ObservedKey Key, ObservedCertificate Certificate, ObservedConfig Settings);
