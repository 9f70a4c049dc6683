using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Trusted CA: store the generated key as a pending key on its host (0600, beside the live key) and write its request for the CA operator.</summary>
/// <param name="PendingKey">Where the pending key is kept until the signed certificate comes back.</param>
/// <param name="RequestFile">The certificate signing request, beside the inventory.</param>
/// <param name="Request">What the request asks the CA to sign.</param>
/// <param name="Owner">The pending key's owner.</param>
/// <param name="Before">The certificate it will replace, when there is one.</param>
public sealed record RequestSignatureStep(ResourceAddress Address, string Host, string Reason, string PendingKey, string RequestFile, IssueRequest Request, string? Owner, CertificateSummary? Before = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.RequestSignature;

    public override IReadOnlyList<string> Paths => [PendingKey, RequestFile];

    internal override StepMembers Members => new() { Before = Before, Issue = Request, Owner = Owner, Mode = FileModes.Private };
}
