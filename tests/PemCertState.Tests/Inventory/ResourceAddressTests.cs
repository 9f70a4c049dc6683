using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>
/// A resource address is its parts: code matches kind and agent, and the text is only what outputs write and what a journal or
/// a backup manifest (files on a managed host: untrusted) gives back.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ResourceAddressTests
{
    private static readonly string[] Texts =
    [
        "ca", "server.certificate", "server.root_crt", "server.root_crl", "server.settings", "agents.common_certificate", "agents.ledger",
        "state", "leftovers", "restart[server]", "restart[server, both CAs]", "reload[server]", "reload[server, both CAs]",
        "web.certificate", "web.settings", "restart[web]", "agent[7].certificate", "agent[2147483647].settings", "restart[agent 12]",
        "role[pem_agent_common_user]", "job[Check CA certificate expiry]",
    ];

    public static TheoryData<string> Every() => [.. Texts];

    [Theory]
    [MemberData(nameof(Every))]
    public void Every_address_reads_back_as_itself(string text)
    {
        Assert.True(ResourceAddress.TryParse(text, out var address));
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, ResourceAddress.Parse(address.ToString()));
    }

    [Fact]
    public void Every_kind_has_a_text_that_reads_back()
    {
        foreach (var kind in Enum.GetValues<ResourceKind>().Where(k => k != ResourceKind.None))
        {
            var address = kind switch
            {
                ResourceKind.AgentCertificate => Addresses.AgentCertificate(3),
                ResourceKind.AgentSettings => Addresses.AgentSettings(3),
                ResourceKind.AgentRestart => Addresses.AgentRestart(3),
                ResourceKind.Role => Addresses.Role("r"),
                ResourceKind.Job => Addresses.Job("j"),
                _ => ResourceAddress.Parse(Texts.First(t => ResourceAddress.Parse(t).Kind == kind)),
            };
            Assert.Equal(kind, address.Kind);
            Assert.Equal(address, ResourceAddress.Parse(address.ToString()));
        }
    }

    [Fact]
    public void The_agent_is_a_part_not_parsed_from_text()
    {
        Assert.Equal(7, Addresses.AgentCertificate(7).Agent);
        Assert.Equal(7, Addresses.AgentSettings(7).Agent);
        Assert.Equal(7, Addresses.AgentRestart(7).Agent);
        Assert.Null(Addresses.ServerRestart.Agent);
        Assert.True(Addresses.AgentSettings(7).IsAgentFile);
        Assert.False(Addresses.AgentRestart(7).IsAgentFile);
        Assert.NotEqual(Addresses.AgentCertificate(7), Addresses.AgentSettings(7));
        Assert.Equal("agent 7", Addresses.AgentRestart(7).Target);
        Assert.Equal("server, both CAs", Addresses.ServerReloadTrustingBoth.Target);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CA")]
    [InlineData(" ca")]
    [InlineData("agent[07].certificate")]
    [InlineData("agent[+7].certificate")]
    [InlineData("agent[-7].certificate")]
    [InlineData("agent[0].certificate")]
    [InlineData("agent[ 7].certificate")]
    [InlineData("agent[2147483648].certificate")]
    [InlineData("agent[7].key")]
    [InlineData("agent[7]")]
    [InlineData("restart[agent 7")]
    [InlineData("restart[agent x]")]
    [InlineData("role[]")]
    [InlineData("role[a]b]")]
    [InlineData("role[a[b]")]
    [InlineData("role[a\nb]")]
    [InlineData("job[a\u001b[2Jb]")]
    [InlineData("../../etc/passwd")]
    public void Anything_that_is_not_exactly_an_address_is_refused(string text)
    {
        Assert.False(ResourceAddress.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ResourceAddress.Parse(text));
    }

    [Fact]
    public void A_default_address_is_no_resource_not_the_CA()
    {
        Assert.Equal(ResourceKind.None, default(ResourceAddress).Kind);
        Assert.NotEqual(Addresses.Ca, default);
        Assert.Throws<InvalidOperationException>(() => default(ResourceAddress).ToString());
        Assert.False(ResourceAddress.TryParse(new string('r', 129) is var name ? $"role[{name}]" : "", out _));
    }

    [Fact]
    public void In_JSON_an_address_is_its_text_and_a_stranger_fails()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Addresses.AgentRestart(4));
        Assert.Equal("\"restart[agent 4]\"", json);
        Assert.Equal(Addresses.AgentRestart(4), System.Text.Json.JsonSerializer.Deserialize<ResourceAddress>(json));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<ResourceAddress>("\"agent[04].certificate\""));
    }
}
