using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Remove what an interrupted write left in a managed folder: pemstate's private folder, or an older pemstate's temp file. Only while it still is what proves it pemstate's (LeftoverCleanup); no backup: nothing reads it.</summary>
/// <param name="Path">The leftover.</param>
internal sealed record RemoveLeftoverStep(ResourceAddress Address, string Host, string Reason, string Path)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.RemoveLeftover;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => StepMembers.None;
}
