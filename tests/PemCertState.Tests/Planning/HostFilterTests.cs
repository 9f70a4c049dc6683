using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

[Trait("Category", "Unit")]
public sealed class HostFilterTests
{
    private static DesiredState Fleet() => InventoryLoader.Parse("""
        version: 1
        hosts:
          pem: { transport: local }
          db-7: { transport: ssh, address: 10.0.0.7, user: root }
          db-8: { transport: ssh, address: 10.0.0.8, user: root }
        ca: { subject: /CN=pem-ca }
        server: { host: pem, data_dir: /data, subject: /CN=pem }
        agents:
          subject: /O=PEM
          defaults: { config: "/usr/edb/pem/agent/etc/agent{id}.cfg" }
          list:
            - { id: 1, host: pem }
            - { id: 2, host: db-7 }
            - { id: 3, host: db-8 }
            - { id: 4, host: db-7 }
        """, "/fleet/pemstate.yaml").State!;

    [Fact]
    public void Skipping_a_host_leaves_out_its_agents_and_says_which()
    {
        // Given a fleet, When db-7 is skipped
        var result = HostFilter.Apply(Fleet(), ["db-7"]);

        // Then its agents are gone from the desired state, the host is never reachable, and the summary names them
        Assert.Null(result.Error);
        Assert.Equal([1, 3], result.Desired.Agents.List.Select(a => a.Id));
        Assert.False(result.Desired.Hosts.ContainsKey("db-7"));
        Assert.Equal([2, 4], result.SkippedAgents);
        Assert.Equal("Skipped hosts (--skip-host): db-7; not observed and not planned: agent[2], agent[4].", result.Summary);
    }

    [Fact]
    public void The_server_host_and_undeclared_hosts_cannot_be_skipped()
    {
        Assert.Contains("server's host", HostFilter.Apply(Fleet(), ["pem"]).Error, StringComparison.Ordinal);
        Assert.Contains("db-9", HostFilter.Apply(Fleet(), ["db-9"]).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_ca_cannot_be_applied_while_agents_are_skipped()
    {
        // Given db-8 skipped, When the plan replaces root.crt, Then it conflicts; without root changes it does not
        var filter = HostFilter.Apply(Fleet(), ["db-8"]);
        var rootChange = new Plan([Step(Addresses.RootBundle, StepAction.WriteBundle)]);
        var agentOnly = new Plan([Step(Addresses.AgentCertificate(1), StepAction.SetMode)]);
        Assert.Contains("agents 3", HostFilter.Conflict(rootChange, filter), StringComparison.Ordinal);
        Assert.Null(HostFilter.Conflict(agentOnly, filter));
    }

    [Fact]
    public void Skipping_the_web_servers_host_leaves_out_the_web_steps_and_says_which()
    {
        // Given a web server on its own host
        var fleet = InventoryLoader.Parse("""
            version: 1
            hosts:
              pem: { transport: local }
              www: { transport: ssh, address: 10.0.0.9, user: root }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: /data, subject: /CN=pem }
            web: { host: www, config: /etc/nginx/conf.d/edb-pem.conf, server: nginx, certificate_file: /etc/pem/web.crt,
                   key_file: /etc/pem/web.key, subject: /CN=pem.example.com }
            agents: { list: [ { id: 1, host: pem } ] }
            """, "/fleet/pemstate.yaml").State!;

        // When its host is skipped
        var result = HostFilter.Apply(fleet, ["www"]);

        // Then the web section is gone from this run, the agents stay, and the summary names the web resources
        Assert.Null(result.Error);
        Assert.Null(result.Desired.Web);
        Assert.True(result.SkippedWeb);
        Assert.Equal([1], result.Desired.Agents.List.Select(a => a.Id));
        Assert.Equal("Skipped hosts (--skip-host): www; not observed and not planned: web.certificate, web.settings, restart[web].", result.Summary);
        Assert.False(HostFilter.Apply(fleet, []).SkippedWeb);
    }

    private static PlanStep Step(ResourceAddress address, StepAction action) => SampleSteps.Of(action, address);
}
