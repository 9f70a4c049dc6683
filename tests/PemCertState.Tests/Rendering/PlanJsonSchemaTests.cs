using System.Text.Json;
using Json.Schema;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

[Trait("Category", "Unit")]
public sealed class PlanJsonSchemaTests
{
    /// <summary>schemas/plan.schema.json, as the library embeds it.</summary>
    internal static JsonSchema PlanSchema()
    {
        using var stream = typeof(PlanJsonRenderer).Assembly.GetManifestResourceStream("plan.schema.json")!;
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    [Fact]
    public async Task Json_plans_of_a_fresh_and_a_drifted_lab_match_the_published_schema()
    {
        // Given a fresh lab's plan and a drifted lab's plan (settings edits, backups, before summaries)
        using var lab = Lab.Create(agents: 2);
        var fresh = await lab.PlanAsync();
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem-ca", "CN=pem-ca-2", StringComparison.Ordinal));
        File.SetUnixFileMode(Path.Combine(lab.CertDir(1), "agent1.key"), (UnixFileMode)0b110_100_000);
        var drifted = await lab.PlanAsync();

        foreach (var plan in new[] { fresh, drifted })
        {
            // When
            using var json = JsonDocument.Parse(PlanJsonRenderer.Render(plan));
            var result = PlanSchema().Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

            // Then
            Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => !d.IsValid).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors?.Values.ToList() ?? [])}")));
        }
    }

    [Fact]
    public async Task A_server_reload_matches_the_published_schema_with_its_command_or_over_the_database()
    {
        // Given a fresh lab's plan, whose server step becomes a reload by command and one over server.database
        using var lab = Lab.Create(agents: 1);
        var plan = await lab.PlanAsync();
        var restart = plan.Steps[^1];
        var byCommand = new PemCertState.Planning.ReloadStep(PemCertState.Inventory.Addresses.ServerReload, restart.Host, restart.Reason, "systemctl reload postgresql");
        var overDatabase = byCommand with { Command = null };

        foreach (var reload in new[] { byCommand, overDatabase })
        {
            // When
            var reloading = plan with { Steps = [.. plan.Steps.SkipLast(1), reload] };
            using var json = JsonDocument.Parse(PlanJsonRenderer.Render(reloading));
            var result = PlanSchema().Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

            // Then it validates, and the text plan says what runs
            Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => !d.IsValid).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors?.Values.ToList() ?? [])}")));
            Assert.Contains(reload.Command is null ? "SELECT pg_reload_conf() over server.database" : "run: systemctl reload postgresql",
                PlanTextRenderer.Render(reloading), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_json_plan_never_holds_key_material()
    {
        // Given a converged lab whose keys are then all replaced
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var keys = Directory.EnumerateFiles(lab.Root, "*.key", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem-ca", "CN=pem-ca-2", StringComparison.Ordinal));

        // When
        var json = PlanJsonRenderer.Render(await lab.PlanAsync());
        var text = PlanTextRenderer.Render(await lab.PlanAsync());

        // Then no line of any key file appears in either rendering
        Assert.DoesNotContain("PRIVATE KEY", json, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        foreach (var line in keys.SelectMany(k => k.Split('\n')).Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, json, StringComparison.Ordinal);
            Assert.DoesNotContain(line, text, StringComparison.Ordinal);
        }
    }
}
