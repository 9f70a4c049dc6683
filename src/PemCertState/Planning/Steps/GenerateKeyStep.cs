using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Generate a private key in memory (or on the host that keeps it). Nothing reaches a disk until an install.</summary>
/// <param name="Key">The key's algorithm and size.</param>
internal sealed record GenerateKeyStep(ResourceAddress Address, string Host, string Reason, KeySpec Key)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.GenerateKey;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Key = Key };
}
