using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Change a managed file's owner.</summary>
/// <param name="Path">The file.</param>
/// <param name="Owner">The account that must own it.</param>
internal sealed record SetOwnerStep(ResourceAddress Address, string Host, string Reason, string Path, string Owner)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.SetOwner;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Owner = Owner };
}
