using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Delete files a backup step has already copied (EDB moves server.*, root.*, ca_* into certs/).</summary>
/// <param name="Files">The files to delete.</param>
internal sealed record RemoveStep(ResourceAddress Address, string Host, string Reason, IReadOnlyList<string> Files)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Remove;

    public override IReadOnlyList<string> Paths => Files;

    internal override StepMembers Members => StepMembers.None;
}
