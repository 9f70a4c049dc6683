using System.Text;
using PemCertState.Inventory;
using PemCertState.Observation;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>The ledger is read from a managed host (an older pemstate's from data_dir, which the database account owns): each entry is checked before it is believed.</summary>
[Trait("Category", "Attack")]
public sealed class AgentLedgerTests
{
    private const string Good = """{ "id": 7, "host": "pem", "key": "/home/agent7/.pem/agent7.key", "certificate": "/home/agent7/.pem/agent7.crt", "backup_dir": "/home/agent7/.pem/certs", "subject": "/CN=agent7", "serial": "0A1B", "issuer": "/CN=pem-ca" }""";

    [Theory]
    [InlineData("\"id\": 7", "\"id\": 0", "id 0 is not an agent id")]
    [InlineData("\"serial\": \"0A1B\"", "\"serial\": \"0A1G\"", "serial \"0A1G\" is not a certificate serial")]
    [InlineData("\"serial\": \"0A1B\"", "\"serial\": null", "serial null is not a certificate serial")]
    [InlineData("\"key\": \"/home/agent7/.pem/agent7.key\"", "\"key\": \"../../etc/shadow\"", "key \"../../etc/shadow\" is not a plain absolute path")]
    [InlineData("\"key\": \"/home/agent7/.pem/agent7.key\"", "\"key\": \"/home/agent7/.pem/../../../etc/shadow\"", "is not a plain absolute path")]
    [InlineData("\"host\": \"pem\"", "\"host\": \"pem\\nx\"", "host is missing, too long or holds control characters")]
    [InlineData("\"subject\": \"/CN=agent7\"", "\"subject\": null", "subject is missing")]
    public void An_entry_with_a_wrong_field_is_left_out_and_named(string from, string to, string expected)
    {
        var (ledger, error) = AgentLedger.Parse(Ledger(Good.Replace(from, to, StringComparison.Ordinal)));

        Assert.Null(error);
        Assert.Empty(ledger!.Agents);
        Assert.Contains(expected, Assert.Single(ledger.Refused), StringComparison.Ordinal);
        Assert.StartsWith("agents[0]", ledger.Refused[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_entry_is_kept_and_a_duplicate_id_is_left_out()
    {
        var (ledger, _) = AgentLedger.Parse(Ledger(Good + ", " + Good));

        Assert.Equal(7, Assert.Single(ledger!.Agents).Id);
        Assert.Contains("agent 7 appears more than once", Assert.Single(ledger.Refused), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/home/agent7/.pem/agent7.key", "/home/agent7/.pem/agent7.crt", "/home/agent7/.pem/certs", null)]
    [InlineData("/etc/cron.d/job", "/home/agent7/.pem/agent7.crt", "/home/agent7/.pem/certs", "key \"/etc/cron.d/job\" is not /home/agent7/.pem/agent7.key")]
    [InlineData("/home/agent7/.pem/agent7.key", "/home/agent7/.pem/other.crt", "/home/agent7/.pem/certs", "certificate \"/home/agent7/.pem/other.crt\" is not")]
    [InlineData("/home/agent7/.pem/agent7.key", "/home/agent7/.pem/agent7.crt", "/tmp", "backup_dir \"/tmp\" is not /home/agent7/.pem/certs")]
    public void A_retired_agents_paths_must_be_the_ones_the_inventory_defaults_give_it(string key, string certificate, string backups, string? expected)
    {
        var agents = new AgentsSpec(AgentUserMode.PerAgent, "pem_agent_common_user", "/C=IN", []) { DefaultCertDir = "/home/agent{id}/.pem" };
        var entry = new LedgerEntry(7, "pem", key, certificate, backups, "/CN=agent7", "0A1B", "/CN=pem-ca");

        var problem = LedgerEntryRules.PathProblem(agents, entry);

        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private static byte[] Ledger(string agents) => Encoding.UTF8.GetBytes($$"""{ "version": 1, "agents": [ {{agents}} ], "retired": [] }""");
}
