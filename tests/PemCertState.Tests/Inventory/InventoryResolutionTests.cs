using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class InventoryResolutionTests
{
    private const string Folder = "/lab/inventory";

    private static DesiredState Valid(string yaml)
    {
        var result = InventoryText.Load(yaml);
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        return result.State!;
    }

    [Fact]
    public void Omitted_settings_take_the_built_in_defaults()
    {
        // Given the smallest valid inventory with one agent
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: /var/lib/edb/as15/data, subject: /CN=pem }
            agents:
              list: [ { id: 1, host: pem } ]
            """;

        // When it is loaded
        var state = Valid(yaml);

        // Then every default of the inventory reference applies
        Assert.Equal(InventoryText.File, state.SourcePath);
        Assert.Equal(new CaSpec(CaSource.SelfSigned, "/CN=pem-ca",
            new CertificatePolicy(KeySpec.Rsa(4096), TimeSpan.FromDays(3650), TimeSpan.FromDays(30)), TimeSpan.FromDays(365)), state.Ca);
        Assert.Equal(new ServerSpec("pem", "/var/lib/edb/as15/data", null, "/CN=pem",
            new CertificatePolicy(KeySpec.Rsa(4096), TimeSpan.FromDays(365), TimeSpan.FromDays(30)),
            "/var/lib/pemstate/pem/backups", "/var/lib/pemstate/pem", null) { LegacyBackupDir = "/var/lib/edb/as15/data/certs" }, state.Server);
        Assert.Equal(AgentUserMode.PerAgent, state.Agents.User);
        Assert.Equal("pem_agent_common_user", state.Agents.CommonUser);
        Assert.Equal("", state.Agents.SubjectPrefix);
        var agent = Assert.Single(state.Agents.List);
        Assert.Equal(new AgentSpec(1, "pem", "/root/.pem", "/usr/edb/pem/agent/etc/agent.cfg", null, null,
            new CertificatePolicy(KeySpec.Rsa(4096), TimeSpan.FromDays(365), TimeSpan.FromDays(30))), agent);
    }

    [Fact]
    public void The_nearest_key_validity_and_renew_before_win()
    {
        // Given defaults for every agent and one agent overriding each setting differently
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca, key: { algorithm: ecdsa, curve: p384 }, validity: 1000d, sslutils_compatible: false }
            server: { host: pem, data_dir: data, subject: /CN=pem, renew_before: 10d }
            agents:
              defaults:
                host: pem
                key: { algorithm: ecdsa }
                validity: 200d
                owner: root
                restart: systemctl restart pemagent
                config: /etc/pem/{id}/agent.cfg
              list:
                - { id: 2, key: { algorithm: rsa, bits: 3072 }, renew_before: 20d, owner: pem, restart: null }
                - { id: 1 }
            """;

        // When it is loaded
        var state = Valid(yaml);

        // Then agent item > agents.defaults > built-in, setting by setting, and the list is ordered by id
        Assert.Equal(new CertificatePolicy(KeySpec.EcdsaP384, TimeSpan.FromDays(1000), TimeSpan.FromDays(30)), state.Ca.Policy);
        Assert.Equal(new CertificatePolicy(KeySpec.Rsa(4096), TimeSpan.FromDays(365), TimeSpan.FromDays(10)), state.Server.Policy);
        var (first, second) = (state.Agents.List[0], state.Agents.List[1]);
        Assert.Equal((1, 2), (first.Id, second.Id));
        Assert.Equal(new CertificatePolicy(KeySpec.EcdsaP256, TimeSpan.FromDays(200), TimeSpan.FromDays(30)), first.Policy);
        Assert.Equal(new CertificatePolicy(KeySpec.Rsa(3072), TimeSpan.FromDays(200), TimeSpan.FromDays(20)), second.Policy);
        Assert.Equal(("root", "systemctl restart pemagent"), (first.Owner, first.Restart));
        Assert.Equal(("pem", (string?)null), (second.Owner, second.Restart));
    }

    [Fact]
    public void Id_placeholder_gives_each_agent_its_own_folders()
    {
        // Given several agents on one host sharing templated paths, one with its own cert_dir
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults:
                host: pem
                cert_dir: lab/agents/{id}/.pem
                config: /etc/pem/agent-{id}.cfg
              list:
                - id: 1
                - id: 12
                  cert_dir: /srv/agent{id}
            """;

        // When it is loaded
        var agents = Valid(yaml).Agents.List;

        // Then {id} is replaced in whichever layer provides the path
        Assert.Equal($"{Folder}/lab/agents/1/.pem", agents[0].CertDir);
        Assert.Equal("/etc/pem/agent-1.cfg", agents[0].Config);
        Assert.Equal("/srv/agent12", agents[1].CertDir);
        Assert.Equal("/etc/pem/agent-12.cfg", agents[1].Config);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_inventory_folder_and_backup_dir_against_state_dir()
    {
        // Given relative, dotted and home-relative paths
        var yaml = """
            version: 1
            hosts:
              pem: { transport: local }
              db: { transport: ssh, address: db.example.com, user: pem, identity_file: ~/.ssh/id_ed25519, sudo: true }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: ../server/./data, subject: /CN=pem, backup_dir: old/certs }
            """;

        // When it is loaded
        var state = Valid(yaml);

        // Then every path is absolute and normalised
        var home = Environment.GetEnvironmentVariable("HOME")!;
        Assert.Equal("/lab/server/data", state.Server.DataDir);
        // backup_dir is relative to state_dir now; where the same setting put the sets before is kept, for the move
        Assert.Equal("/var/lib/pemstate/pem/old/certs", state.Server.BackupDir);
        Assert.Equal("/lab/server/data/old/certs", state.Server.LegacyBackupDir);
        Assert.Equal(new HostSpec("db", HostTransport.Ssh, "db.example.com", 22, "pem", Path.Combine(home, ".ssh/id_ed25519"), null, true),
            state.Hosts["db"]);
        Assert.Equal(new HostSpec("pem", HostTransport.Local), state.Hosts["pem"]);
    }

    [Fact]
    public void Common_agent_user_and_subject_prefix_are_carried_as_written()
    {
        // Given a common agent user and a DN prefix with an escaped slash
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: '/C=IN/O=PEM\/Lab/CN=pem-ca' }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents: { user: common, common_user: pem_agents, subject: /C=IN/O=PEM }
            """;

        // When it is loaded
        var state = Valid(yaml);

        // Then the agents section says so and the agent list is empty
        Assert.Equal(new AgentsSpec(AgentUserMode.Common, "pem_agents", "/C=IN/O=PEM", []) with { List = state.Agents.List, Declared = state.Agents.Declared }, state.Agents);
        Assert.Empty(state.Agents.List);
        Assert.Equal(@"/C=IN/O=PEM\/Lab/CN=pem-ca", state.Ca.Subject);
    }
}
