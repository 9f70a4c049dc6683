using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Write a CA bundle (root.crt, web.chain_file), 0600.</summary>
/// <param name="Path">The file.</param>
/// <param name="Source">Where its certificates come from: "ca" for the managed CA, or the trusted CA's certificate file.</param>
/// <param name="Owner">The file's owner.</param>
/// <param name="Bundle">During a CA rotation, what the file holds, in order: "ca" for the CA, or the SHA-256 (colon hex) of another CA certificate to keep trusting. Null: the CA alone.</param>
internal sealed record WriteBundleStep(ResourceAddress Address, string Host, string Reason, string Path, string Source, string? Owner, IReadOnlyList<string>? Bundle = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.WriteBundle;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Source = Source, Owner = Owner, Mode = FileModes.Private, Bundle = Bundle };
}
