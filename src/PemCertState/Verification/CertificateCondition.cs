namespace PemCertState.Verification;

/// <summary>
/// What `pemstate status` found of one certificate or CRL. The status table's words and the metrics' state label are
/// both written from this, so they cannot disagree.
/// </summary>
public enum CertificateCondition
{
    Ok,
    RenewSoon,
    Expired,
    NotYetValid,
    Missing,
    Unreadable,
    Revoked,

    /// <summary>A retired agent whose serial is not in root.crl (agents.revoke_removed was off when it left).</summary>
    Removed,
}
