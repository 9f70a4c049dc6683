using PemCertState.Inventory;

namespace PemCertState.Verification;

/// <summary>One row of `pemstate status`.</summary>
/// <param name="Condition">The live file's condition; a pending signature is <see cref="PendingSignature"/> beside it.</param>
/// <param name="DaysLeft">Whole days until NotAfter (negative when expired); null when there is no certificate.</param>
public sealed record CertificateStatus(
    ResourceAddress Address, string Host, string Path, string? Subject, string? Issuer, DateTimeOffset? NotAfter, int? DaysLeft, CertificateCondition Condition)
{
    /// <summary>Set for a retired agent: the serial(s) root.crl lists for it (or that it held, when not revoked).</summary>
    public string? Serial { get; init; }

    /// <summary>When the certificate became valid; null when there is none (and for a CRL).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// The certificate's own serial (upper-case hex), for telling apart two rows of one address (root.crt's CAs); null when
    /// there is no readable certificate. Not shown in the table.
    /// </summary>
    public string? CertificateSerial { get; init; }

    /// <summary>When the next apply renews it: NotAfter minus renew_before. Null without a certificate, and for an old CA that is only still trusted.</summary>
    public DateTimeOffset? RenewAt { get; init; }

    /// <summary>Trusted CA: a new key for this certificate waits for the CA's signature.</summary>
    public bool PendingSignature { get; init; }

    /// <summary>During a self-signed CA rotation: a CA in root.crt other than the current one, still trusted.</summary>
    public bool OldCa { get; init; }

    /// <summary>ok | renew soon | expired | not yet valid | missing | unreadable | revoked | removed (a retired agent) |
    /// trusted (old CA) | pending signature (no live file yet) | "expired, pending signature" (the live file's state beside it).</summary>
    public string State
    {
        get
        {
            var text = Condition switch
            {
                CertificateCondition.Ok => OldCa ? "trusted (old CA)" : "ok",
                CertificateCondition.RenewSoon => "renew soon",
                CertificateCondition.Expired => "expired",
                CertificateCondition.NotYetValid => "not yet valid",
                CertificateCondition.Missing => "missing",
                CertificateCondition.Unreadable => "unreadable",
                CertificateCondition.Revoked => "revoked",
                CertificateCondition.Removed => "removed",
                _ => throw new InvalidOperationException($"unknown condition {Condition}"),
            };
            if (!PendingSignature) return text;
            return Condition == CertificateCondition.Missing ? "pending signature" : $"{text}, pending signature";
        }
    }
}
