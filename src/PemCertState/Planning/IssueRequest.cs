using PemCertState.Crypto;

namespace PemCertState.Planning;

/// <summary>What an <see cref="StepAction.Issue"/> step signs.</summary>
/// <param name="Issuer">Subject of the signing CA; equals <paramref name="Subject"/> when the CA signs itself.</param>
/// <param name="Usage">Extended key usage of a leaf; null for the CA certificate.</param>
public sealed record IssueRequest(string Subject, string Issuer, LeafUsage? Usage, TimeSpan Validity)
{
    public bool SelfSigned => Usage is null;
}
