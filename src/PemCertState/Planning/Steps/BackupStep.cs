using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Copy the files a later step replaces into a backup set, with a manifest.</summary>
/// <param name="Files">The files to copy (those that exist now).</param>
/// <param name="BackupDir">The folder that receives the set; the executor adds a time stamp below it.</param>
internal sealed record BackupStep(ResourceAddress Address, string Host, string Reason, IReadOnlyList<string> Files, string BackupDir)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Backup;

    public override IReadOnlyList<string> Paths => Files;

    internal override StepMembers Members => new() { BackupDir = BackupDir };
}
