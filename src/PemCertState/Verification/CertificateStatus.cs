namespace PemCertState.Verification;

/// <summary>One row of `pemstate status`.</summary>
/// <param name="State">ok | renew soon | expired | not yet valid | missing | unreadable | revoked | removed (a retired agent).</param>
/// <param name="DaysLeft">Whole days until NotAfter (negative when expired); null when there is no certificate.</param>
public sealed record CertificateStatus(
    string Address, string Host, string Path, string? Subject, string? Issuer, DateTimeOffset? NotAfter, int? DaysLeft, string State)
{
    /// <summary>Set for a retired agent: the serial(s) root.crl lists for it (or that it held, when not revoked).</summary>
    public string? Serial { get; init; }

    /// <summary>When the certificate became valid; null when there is none (and for a CRL).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// Where the renewal window opens: NotAfter less the renew_before that <see cref="State"/> was judged with
    /// ("renew soon" from here on); null without a NotAfter. Equal to NotAfter when nothing renews it (an old CA kept in root.crt).
    /// </summary>
    public DateTimeOffset? RenewAt { get; init; }
}
