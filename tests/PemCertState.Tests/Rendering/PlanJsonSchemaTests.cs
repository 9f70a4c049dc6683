using System.Text.Json;
using Json.Schema;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Rendering;

public sealed class PlanJsonSchemaTests
{
    private static JsonSchema PlanSchema()
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
