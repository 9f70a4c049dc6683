using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>
/// Two agents that share one agent.cfg, key or certificate on one machine never converge (apply's lanes rewrite the
/// file for each in turn): refused at load with both agents and the path, or at discovery for agents from pem.agent.
/// </summary>
public sealed class SharedAgentFilesTests
{
    private const string Why = "two agents never converge on one file (each apply rewrites it for the other)";

    private static string Located(Diagnostic d) => $"{d.Line}:{d.Column}: {d.Message}";

    [Fact]
    public void Two_agents_with_one_config_path_are_refused_by_apply_and_nothing_is_changed()
    {
        // Given two agents on one host whose agent.cfg is the same file
        var folder = Directory.CreateTempSubdirectory("pemstate-shared-").FullName;
        try
        {
            var inventory = Path.Combine(folder, "pemstate.yaml");
            File.WriteAllText(inventory, """
                version: 1
                hosts: { pem: { transport: local } }
                ca: { subject: /CN=pem-ca }
                server: { host: pem, data_dir: data, subject: /CN=pem }
                agents:
                  list:
                    - { id: 1, host: pem, cert_dir: agents/1, config: agents/agent.cfg }
                    - { id: 2, host: pem, cert_dir: agents/2, config: agents/agent.cfg }
                """);

            // When apply runs
            var (exitCode, _, stderr) = Pemstate.Run(folder, "apply", "-f", inventory, "--auto-approve");

            // Then it exits 1 naming both agents and the path at the second one's config, and writes nothing
            Assert.Equal(1, exitCode);
            Assert.Contains($"{inventory}:8:55: agents.list[1]: agent 2's agent.cfg {folder}/agents/agent.cfg on host pem is also agent 1's agent.cfg (line 7); {Why}: give each agent its own config, e.g. with {{id}} in agents.defaults.config",
                stderr, StringComparison.Ordinal);
            Assert.Equal([inventory], Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Agents_on_two_local_hosts_with_the_built_in_config_share_it_and_are_refused_at_the_second()
    {
        // Given two local host names (one file system) and agents that leave config to the built-in path
        var yaml = """
            version: 1
            hosts: { pem: { transport: local }, other: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              list:
                - { id: 1, host: pem, cert_dir: "/pem/{id}" }
                - { id: 2, host: other, cert_dir: "/pem/{id}" }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the second agent is refused where it stands
        Assert.Equal([$"8:7: agents.list[1]: agent 2's agent.cfg /usr/edb/pem/agent/etc/agent.cfg on host other is also agent 1's agent.cfg (line 7); {Why}: give each agent its own config, e.g. with {{id}} in agents.defaults.config"],
            result.Diagnostics.Select(Located));
    }

    [Fact]
    public void Common_user_agents_sharing_a_cert_dir_are_refused_at_the_defaults_that_set_it()
    {
        // Given the common user's pair (agent.key, agent.crt) and one cert_dir for two agents on one SSH host
        var yaml = """
            version: 1
            hosts: { pem: { transport: local }, db: { transport: ssh, address: 10.0.0.7, user: root } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              user: common
              defaults: { host: db, cert_dir: /root/.pem, config: "/etc/pem/{id}/agent.cfg" }
              list: [{ id: 1 }, { id: 2 }]
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the key is named, at agents.defaults.cert_dir
        Assert.Equal([$"7:35: agents.list[1]: agent 2's key /root/.pem/agent.key on host db is also agent 1's key (line 8); {Why}: give each agent its own cert_dir, e.g. with {{id}} in agents.defaults.cert_dir"],
            result.Diagnostics.Select(Located));
    }

    [Fact]
    public void Agents_discovered_from_the_database_that_share_a_config_are_refused_at_discovery()
    {
        // Given discovery from pem.agent with a default config that has no {id}
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: /data
              subject: /CN=pem
              database: { host: 127.0.0.1, user: enterprisedb }
            agents:
              discover: database
              defaults: { host: pem, cert_dir: "/pem/{id}", config: /etc/pem/agent.cfg }
            """;
        var desired = InventoryText.Load(yaml).State!;

        // When pem.agent lists agents 3 and 5 as active
        var discovery = AgentDiscovery.Resolve(desired, [3, 5]);

        // Then neither is planned, and the error names both and the path
        Assert.Null(discovery.Desired);
        Assert.Equal([$"agents from pem.agent: agent 5's agent.cfg /etc/pem/agent.cfg on host pem is also agent 3's agent.cfg; {Why}: give each agent its own config, e.g. with {{id}} in agents.defaults.config"],
            discovery.Errors);
    }
}
