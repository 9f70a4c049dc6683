using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>The saved-plan reader knows actions by the same table the JSON writer names them with.</summary>
[Trait("Category", "Unit")]
public sealed class PlanJsonReaderTests
{
    private static string Saved(params PlanStep[] steps) =>
        PlanJsonRenderer.Render(new Plan(steps), new SavedPlanContext("pemstate.yaml", new string('0', 64), new Dictionary<string, string>()));

    private static readonly PlanStep Restart = new RestartStep(ResourceAddress.Parse("restart[server]"), "pem", "why", "systemctl restart edb-as-15");
    private static readonly PlanStep Edit = new EditSettingsStep(ResourceAddress.Parse("server.settings"), "pem", "why", "/data/postgresql.conf",
        [new SettingChange("ssl", null, "on")], ConfigFormat.PostgresqlConf);

    [Fact]
    public void A_saved_plan_reads_back_with_every_step_and_its_action_name()
    {
        // Given a saved plan of two steps
        var json = Saved(Edit, Restart);

        // When it is read
        var saved = PlanJsonReader.Read(json);

        // Then
        Assert.Equal(["edit_settings", "restart"], saved.Steps.Select(s => s["action"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("\"action\": \"restart\"", "\"action\": \"Restart\"", "\"Restart\"")]
    [InlineData("\"action\": \"restart\"", "\"action\": \"run_anything\"", "\"run_anything\"")]
    [InlineData("\"action\": \"restart\"", "\"action\": 7", "7")]
    public void A_step_whose_action_no_pemstate_writes_is_refused_by_its_number(string from, string to, string shown)
    {
        // Given a saved plan whose second step's action was edited
        var json = Saved(Edit, Restart).Replace(from, to, StringComparison.Ordinal);

        // When it is read
        var error = Assert.Throws<FormatException>(() => PlanJsonReader.Read(json));

        // Then
        Assert.Equal($"step 2 has action {shown}, which is no pemstate action", error.Message);
    }
}
