using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>An sslmode that logs in without verifying the server is the inventory's explicit choice, and every plan says so.</summary>
[Trait("Category", "Unit")]
public sealed class DatabaseTlsWarningTests
{
    [Theory]
    [InlineData("require", "without verifying the server's certificate")]
    [InlineData("prefer", "without verifying the server's certificate")]
    [InlineData("allow", "without verifying the server's certificate")]
    [InlineData("disable", "without TLS")]
    public async Task A_weaker_sslmode_is_warned_about_on_every_plan(string sslmode, string how)
    {
        // Given server.database with a weaker sslmode, written in the inventory
        using var lab = Lab.Create(agents: 1);
        AddDatabase(lab, $", sslmode: {sslmode}");

        // When it is planned, and planned again
        var first = await lab.PlanAsync();
        var second = await lab.PlanAsync();

        // Then both plans warn, naming the mode, the target and the password's variable
        foreach (var plan in new[] { first, second })
            Assert.Contains(plan.Warnings, w => w.StartsWith($"server.database.sslmode is {sslmode}: pemstate connects to the PEM database postgres@127.0.0.1:1/pem {how}, " +
                "so the password from PEM_DB_PASSWORD goes to whatever answers on 127.0.0.1:1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_default_verify_full_plans_without_that_warning()
    {
        // Given server.database without sslmode
        using var lab = Lab.Create(agents: 1);
        AddDatabase(lab, "");

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then the mode is verify-full and no warning is about sslmode (the database itself is not reached here)
        Assert.Equal("verify-full", lab.Desired.Server.Database!.SslMode);
        Assert.DoesNotContain(plan.Warnings, w => w.StartsWith("server.database.sslmode", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("no CA to verify the server's certificate with", StringComparison.Ordinal));
    }

    /// <summary>Port 1: nothing listens there, the plan is made from the files.</summary>
    private static void AddDatabase(Lab lab, string options)
    {
        var text = File.ReadAllText(lab.InventoryPath);
        const string restart = "  restart: echo server >> restarts.log\n";
        Assert.Contains(restart, text, StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text.Replace(restart,
            restart + $"  database: {{ host: 127.0.0.1, port: 1, user: postgres, password_env: PEM_DB_PASSWORD{options} }}\n", StringComparison.Ordinal));
    }
}
