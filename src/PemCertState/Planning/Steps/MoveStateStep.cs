using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Move what an older pemstate kept in data_dir (its journal, ledger, lock or a backup set's folder) into the state folder, then delete it from data_dir. First in a plan, before any backup.</summary>
/// <param name="To">Where it goes in the state folder.</param>
/// <param name="From">Where it is in data_dir.</param>
internal sealed record MoveStateStep(ResourceAddress Address, string Host, string Reason, string To, string From)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.MoveState;

    public override IReadOnlyList<string> Paths => [To];

    internal override StepMembers Members => new() { Source = From, Mode = FileModes.Private };
}
