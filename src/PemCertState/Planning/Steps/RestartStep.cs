using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Run the inventory's restart (or web reload) command.</summary>
/// <param name="Command">The command, as the inventory gives it.</param>
public sealed record RestartStep(ResourceAddress Address, string Host, string Reason, string Command)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Restart;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Command = Command };
}
