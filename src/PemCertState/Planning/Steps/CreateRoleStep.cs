using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Create the common agents' database role and grant it pem_agent, each only if missing.</summary>
internal sealed record CreateRoleStep(ResourceAddress Address, string Host, string Reason)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.CreateRole;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => StepMembers.None;
}
