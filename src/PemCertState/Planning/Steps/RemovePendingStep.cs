using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Trusted CA leftovers: delete a pending key on its host and its request beside the inventory, once the pair is installed or no longer wanted. No backup: the key was never used.</summary>
/// <param name="PendingKey">The pending key on the host, when there is one.</param>
/// <param name="RequestFile">The request beside the inventory, when there is one.</param>
internal sealed record RemovePendingStep(ResourceAddress Address, string Host, string Reason, string? PendingKey, string? RequestFile)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.RemovePending;

    public override IReadOnlyList<string> Paths => PendingKey is null ? [] : [PendingKey];

    internal override StepMembers Members => new() { Source = RequestFile };
}
