using PemCertState.Database;
using Xunit;
using PemCertState.Facts;
using PemCertState.Planning;

namespace PemCertState.Tests.Database;

[Trait("Category", "Unit")]
public sealed class HbaCheckTests
{
    private static HbaRule Line(int line, string type, string database, string user, string? address, string? netmask, string method) =>
        new(line, type, [database], [user], address, netmask, method, null);

    [Fact]
    public void PEMs_cert_line_after_local_lines_lets_agents_in()
    {
        // Given EDB's lines: local trust first, then hostssl pem +pem_agent cert
        HbaRule[] rules = [Line(1, "local", "all", "all", null, null, "trust"), Line(2, "hostssl", "pem", "+pem_agent", "10.0.0.0", "255.255.255.0", "cert")];

        // When checked / Then nothing is wrong
        Assert.Null(HbaCheck.Problem(rules, "pem", ["agent1"]));
    }

    [Fact]
    public void An_earlier_host_all_all_line_shadows_the_cert_line()
    {
        // Given a catch-all scram line before the cert line
        HbaRule[] rules = [Line(3, "host", "all", "all", "0.0.0.0", "0.0.0.0", "scram-sha-256"), Line(9, "hostssl", "pem", "+pem_agent", "10.0.0.0", "255.255.255.0", "cert")];

        // When checked / Then the shadowing line is named with its method
        var problem = HbaCheck.Problem(rules, "pem", ["agent1"]);
        Assert.StartsWith("pg_hba.conf line 3 (host all all 0.0.0.0 0.0.0.0 scram-sha-256) comes before line 9", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_earlier_line_for_another_network_or_hostnossl_does_not_shadow()
    {
        // Given earlier lines that agents on 10.0.0.0/24 over SSL never match
        HbaRule[] rules =
        [
            Line(1, "host", "all", "all", "192.168.0.0", "255.255.0.0", "md5"),
            Line(2, "hostnossl", "all", "all", "0.0.0.0", "0.0.0.0", "reject"),
            Line(3, "hostssl", "pem", "+pem_agent", "10.0.0.0", "255.255.255.0", "cert"),
        ];

        // When checked / Then nothing is wrong
        Assert.Null(HbaCheck.Problem(rules, "pem", ["agent1"]));
    }

    [Fact]
    public void No_cert_line_is_reported()
    {
        // Given only password lines
        HbaRule[] rules = [Line(1, "hostssl", "pem", "+pem_user", "0.0.0.0", "0.0.0.0", "scram-sha-256")];

        // When checked / Then the missing line is named as EDB writes it
        Assert.StartsWith("pg_hba.conf has no 'hostssl pem +pem_agent <address> cert' line", HbaCheck.Problem(rules, "pem", ["agent1"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_cert_line_rejected_only_because_ssl_is_off_still_counts()
    {
        // Given the server before pemstate's first apply: ssl off, so PostgreSQL flags the hostssl line
        HbaRule[] rules = [new(2, "hostssl", ["pem"], ["+pem_agent"], "127.0.0.1", "255.255.255.255", "cert", "hostssl record cannot match because SSL is disabled")];

        // When checked / Then it is not reported as missing: it matches once ssl is on
        Assert.Null(HbaCheck.Problem(rules, "pem", ["agent1"]));
    }
}
