using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Turn PEM's own certificate renewal job off.</summary>
/// <param name="Job">The job's name in pem.job.</param>
internal sealed record DisableJobStep(ResourceAddress Address, string Host, string Reason, string Job)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.DisableJob;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Source = Job };
}
