using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Make the server load its SSL files and settings without a restart.</summary>
/// <param name="Command">The inventory's reload command; null: SELECT pg_reload_conf() over server.database.</param>
public sealed record ReloadStep(ResourceAddress Address, string Host, string Reason, string? Command)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Reload;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Command = Command };
}
