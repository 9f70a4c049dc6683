using PemCertState.Crypto;

namespace PemCertState.Planning;

/// <summary>What an <see cref="StepAction.Issue"/> step signs.</summary>
/// <param name="Issuer">Subject of the signing CA; equals <paramref name="Subject"/> when the CA signs itself.</param>
/// <param name="Usage">Extended key usage of a leaf; null for the CA certificate.</param>
public sealed record IssueRequest(string Subject, string Issuer, LeafUsage? Usage, TimeSpan Validity)
{
    public bool SelfSigned => Usage is null;

    /// <summary>DNS names and IP addresses for the subjectAltName extension (the web certificate); empty: no extension.</summary>
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];

    public bool Equals(IssueRequest? other) =>
        other is not null && Subject == other.Subject && Issuer == other.Issuer && Usage == other.Usage && Validity == other.Validity
        && SubjectAltNames.SequenceEqual(other.SubjectAltNames, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Subject, Issuer, Usage, Validity, SubjectAltNames.Count);
}
