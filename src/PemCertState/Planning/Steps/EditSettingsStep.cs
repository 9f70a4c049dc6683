using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Change settings in a config file in place, keeping every other line byte for byte.</summary>
/// <param name="Path">The config file.</param>
/// <param name="Settings">The settings that change.</param>
/// <param name="Format">The file's syntax.</param>
internal sealed record EditSettingsStep(ResourceAddress Address, string Host, string Reason, string Path, IReadOnlyList<SettingChange> Settings, ConfigFormat Format)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.EditSettings;

    public override IReadOnlyList<string> Paths => [Path];

    internal override StepMembers Members => new() { Settings = Settings, Format = Format };
}
