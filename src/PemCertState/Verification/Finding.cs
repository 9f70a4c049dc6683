namespace PemCertState.Verification;

/// <summary>Something wrong with what is on the hosts, found by <see cref="OfflineVerifier"/>.</summary>
public sealed record Finding(string Address, string Host, string Path, string Message);
