using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Write the agent ledger (state_dir/agents.json): which agent holds which certificate, and who was retired. Last in a plan.</summary>
/// <param name="Path">The ledger file.</param>
/// <param name="CommonSource">The common agent pair's address when agents share one, so its certificate is recorded for each.</param>
/// <param name="Retire">The agents that move from the ledger's managed agents to its retired ones.</param>
internal sealed record WriteLedgerStep(ResourceAddress Address, string Host, string Reason, string Path, ResourceAddress? CommonSource, IReadOnlyList<Retirement> Retire)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.WriteLedger;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Source = CommonSource?.ToString(), Mode = FileModes.Private, Revoke = Retire };
}
