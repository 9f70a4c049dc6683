namespace PemCertState.Inventory;

/// <summary>Key, validity and renewal window for one class of certificate (the nearest setting wins).</summary>
public sealed record CertificatePolicy(KeySpec Key, TimeSpan Validity, TimeSpan RenewBefore);
