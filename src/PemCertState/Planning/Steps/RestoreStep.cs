using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Rollback: write a file back from a backup set, with its recorded mode and owner.</summary>
/// <param name="Path">The file written back.</param>
/// <param name="Copy">The backup copy it comes from.</param>
/// <param name="Sha256">The hash the copy must still have (from its manifest).</param>
/// <param name="Owner">The recorded owner.</param>
/// <param name="Mode">The recorded mode.</param>
internal sealed record RestoreStep(ResourceAddress Address, string Host, string Reason, string Path, string Copy, string Sha256, string? Owner, UnixFileMode Mode)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Restore;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Source = Copy, Owner = Owner, Mode = Mode, Sha256 = Sha256 };
}
