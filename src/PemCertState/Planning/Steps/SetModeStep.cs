using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Change a managed file's mode.</summary>
/// <param name="Path">The file.</param>
/// <param name="Mode">The mode it must have.</param>
internal sealed record SetModeStep(ResourceAddress Address, string Host, string Reason, string Path, UnixFileMode Mode)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.SetMode;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Mode = Mode };
}
