using PemCertState.Configuration;
using Xunit;

namespace PemCertState.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class AgentCfgTests
{
    private const string Sample =
        "[PEM/agent]\n" +
        "pem_host=127.0.0.1\n" +
        "pem_port=5444\n" +
        "agent_id=3\n" +
        "# the agent's certificate\n" +
        "agent_ssl_key=/root/.pem/agent3.key\n" +
        "agent_ssl_crt = /root/.pem/agent3.crt\n" +
        "log_level=warning\n" +
        "\n" +
        "[PEM/other]\n" +
        "agent_user=not-this-one\n";

    [Fact]
    public void Reads_keys_of_the_agent_section_only()
    {
        // When
        var settings = AgentCfg.Read(Sample, ["agent_id", "agent_user", "agent_ssl_crt"]);

        // Then
        Assert.Equal("3", settings["agent_id"]);
        Assert.Null(settings["agent_user"]);
        Assert.Equal("/root/.pem/agent3.crt", settings["agent_ssl_crt"]);
    }

    [Fact]
    public void Replaces_values_in_place_and_adds_missing_keys_inside_the_agent_section()
    {
        // When
        var edited = AgentCfg.Edit(Sample,
        [
            KeyValuePair.Create("agent_user", "pem_agent_common_user"),
            KeyValuePair.Create("agent_ssl_key", "/root/.pem/agent.key"),
            KeyValuePair.Create("agent_ssl_crt", "/root/.pem/agent.crt"),
        ]);

        // Then every other line, comment and section is untouched
        Assert.Equal(
            "[PEM/agent]\n" +
            "pem_host=127.0.0.1\n" +
            "pem_port=5444\n" +
            "agent_id=3\n" +
            "# the agent's certificate\n" +
            "agent_ssl_key=/root/.pem/agent.key\n" +
            "agent_ssl_crt = /root/.pem/agent.crt\n" +
            "log_level=warning\n" +
            "agent_user=pem_agent_common_user\n" +
            "\n" +
            "[PEM/other]\n" +
            "agent_user=not-this-one\n",
            edited);
    }

    [Fact]
    public void Creates_the_section_in_an_empty_file()
    {
        // When
        var edited = AgentCfg.Edit("", [KeyValuePair.Create("agent_id", "1"), KeyValuePair.Create("agent_user", "agent1")]);

        // Then
        Assert.Equal("[PEM/agent]\nagent_id=1\nagent_user=agent1\n", edited);
    }

    [Fact]
    public void Refuses_a_value_with_a_line_break_instead_of_writing_a_second_line()
    {
        // Given a value that carries a line of its own (the loader refuses such paths; this is the last guard)
        var text = "[PEM/agent]\nagent_id=1\n";

        // When it is set / Then nothing is returned to write, and the message does not print the line break
        var error = Assert.Throws<ArgumentException>(() =>
            AgentCfg.Edit(text, [KeyValuePair.Create("agent_ssl_key", "/root/.pem/agent1.key\nagent_user=postgres")]));
        Assert.Contains("agent.cfg setting agent_ssl_key holds a line feed (U+000A)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
