namespace PemCertState.Verification;

/// <summary>One row of `pemstate status`.</summary>
/// <param name="State">ok | renew soon | expired | not yet valid | missing | unreadable.</param>
/// <param name="DaysLeft">Whole days until NotAfter (negative when expired); null when there is no certificate.</param>
public sealed record CertificateStatus(
    string Address, string Host, string Path, string? Subject, string? Issuer, DateTimeOffset? NotAfter, int? DaysLeft, string State);
