using System.Collections.Frozen;

namespace PemCertState.Inventory;

/// <summary>
/// The name each <see cref="StepAction"/> has outside the process: the JSON plan and its schema (schemas/plan.schema.json),
/// saved plans read back by apply, the journal and the logs. Written here once, by hand, so renaming a member of the enum
/// cannot rename it on the wire: a saved plan or a journal from an older pemstate must still read.
/// </summary>
internal static class StepActionNames
{
    private static readonly FrozenDictionary<string, StepAction> ByName =
        Enum.GetValues<StepAction>().ToFrozenDictionary(WireName, StringComparer.Ordinal);

    /// <summary>Every wire name, in the enum's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<StepAction>().Select(WireName)];

    // CS8524 is about numbers no member names; a member missing from the switch is still CS8509, an error.
#pragma warning disable CS8524
    /// <summary>"generate_key", "write_crl": the action as the JSON plan, the journal and the logs name it.</summary>
    public static string WireName(this StepAction action) => action switch
    {
        StepAction.Backup => "backup",
        StepAction.GenerateKey => "generate_key",
        StepAction.Issue => "issue",
        StepAction.RequestSignature => "request_signature",
        StepAction.InstallSigned => "install_signed",
        StepAction.Install => "install",
        StepAction.WriteBundle => "write_bundle",
        StepAction.WriteCrl => "write_crl",
        StepAction.SetMode => "set_mode",
        StepAction.SetOwner => "set_owner",
        StepAction.EditSettings => "edit_settings",
        StepAction.CreateRole => "create_role",
        StepAction.DisableJob => "disable_job",
        StepAction.Restart => "restart",
        StepAction.Restore => "restore",
        StepAction.Remove => "remove",
        StepAction.TestConfig => "test_config",
        StepAction.WriteLedger => "write_ledger",
        StepAction.RemovePending => "remove_pending",
        StepAction.EnableJob => "enable_job",
        StepAction.MoveState => "move_state",
        StepAction.RemoveLeftover => "remove_leftover",
        StepAction.Reload => "reload",
    };
#pragma warning restore CS8524

    /// <summary>The action a wire name stands for; false for a name no version of pemstate writes.</summary>
    public static bool TryParse(string name, out StepAction action) => ByName.TryGetValue(name, out action);
}
