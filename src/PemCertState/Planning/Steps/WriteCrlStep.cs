using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Sign (managed CA) or copy (trusted CA) root.crl, 0600.</summary>
/// <param name="Path">The file.</param>
/// <param name="Source">"ca" for a CRL the managed CA signs, or the trusted CA's CRL file.</param>
/// <param name="Owner">The file's owner.</param>
/// <param name="Bundle">During a CA rotation: whose CRLs the file holds, in order, as for a bundle.</param>
/// <param name="Revoke">Serials to add to the CA's CRL; earlier revocations are kept.</param>
internal sealed record WriteCrlStep(ResourceAddress Address, string Host, string Reason, string Path, string? Source, string? Owner, IReadOnlyList<string>? Bundle = null, IReadOnlyList<Retirement>? Revoke = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.WriteCrl;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Source = Source, Owner = Owner, Mode = FileModes.Private, Bundle = Bundle, Revoke = Revoke };
}
