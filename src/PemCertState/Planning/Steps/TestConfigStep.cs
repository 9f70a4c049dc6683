using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Run a config test (apachectl -t, nginx -t) before a reload; a failure stops the apply before the reload.</summary>
/// <param name="Command">The test command.</param>
public sealed record TestConfigStep(ResourceAddress Address, string Host, string Reason, string Command)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.TestConfig;

    public override IReadOnlyList<string> Paths => [];

    internal override StepMembers Members => new() { Command = Command };
}
