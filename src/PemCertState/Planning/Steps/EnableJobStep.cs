using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Turn PEM's own certificate renewal job back on (back from a trusted CA or a common agent certificate).</summary>
/// <param name="Job">The job's name in pem.job.</param>
internal sealed record EnableJobStep(ResourceAddress Address, string Host, string Reason, string Job)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.EnableJob;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Source = Job };
}
