using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Sign a certificate for the key generated under the same address (the CA signs itself). In memory.</summary>
/// <param name="Request">Subject, issuer, usage, validity and names of the certificate.</param>
/// <param name="Before">The certificate it replaces, when there is one.</param>
internal sealed record IssueStep(ResourceAddress Address, string Host, string Reason, IssueRequest Request, CertificateSummary? Before = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Issue;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Before = Before, Issue = Request };
}
