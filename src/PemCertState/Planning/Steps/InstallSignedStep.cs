using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Trusted CA: install a pending key with the certificate the CA signed for it, atomically each, key first.</summary>
/// <param name="KeyPath">The live key file.</param>
/// <param name="CertificatePath">The live certificate file.</param>
/// <param name="Signed">The signed certificate the CA operator returned.</param>
/// <param name="Sha256">The signed certificate's SHA-256 as planned: a different file in its place stops the step.</param>
/// <param name="Owner">Owner of both files.</param>
/// <param name="Chain">web: the CA certificates (SHA-256, colon hex) that follow the leaf in the certificate file, in order.</param>
/// <param name="Before">The certificate it replaces, when there is one.</param>
internal sealed record InstallSignedStep(ResourceAddress Address, string Host, string Reason, string KeyPath, string CertificatePath, string Signed, string Sha256, string? Owner, CertificateSummary? Before = null,
    IReadOnlyList<string>? Chain = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.InstallSigned;

    public override IReadOnlyList<string> Paths => [KeyPath, CertificatePath];

    internal override StepMembers Members => new() { Before = Before, Source = Signed, Owner = Owner, Mode = FileModes.Private, Sha256 = Sha256, Bundle = Chain };
}
