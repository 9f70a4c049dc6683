using PemCertState.Configuration;
using PemCertState.Hosts;
using PemCertState.Planning;

namespace PemCertState.Execution;

internal sealed partial class Executor
{
    /// <summary>
    /// The config test before a web server reload. Its failure stops the apply before the reload, so a config the
    /// server would refuse is never loaded; the files are in place and backed up, and the message says what the test said.
    /// </summary>
    private async Task TestConfigAsync(TestConfigStep step, IHost host, Run run, CancellationToken ct)
    {
        var result = await RunCommandAsync(step, step.Command, host, run, ct).ConfigureAwait(false);
        if (result.Succeeded) return;
        var said = (result.StandardError.Trim().Length > 0 ? result.StandardError : result.StandardOutput).Trim();
        throw new StepFailedException(
            $"the config test '{step.Command}' failed with exit code {result.ExitCode}, so the web server was not reloaded and still serves what it served before: {said}. "
            + "Fix the config and apply again, or put the previous files back with pemstate rollback");
    }

    private static string EditWebConfig(EditSettingsStep step, bool exists, string text, IReadOnlyList<KeyValuePair<string, string>> settings, Run run)
    {
        var web = run.Desired.Web ?? throw new StepFailedException($"{step.Address}: the inventory has no web section");
        if (!exists) throw new StepFailedException($"{step.Path} does not exist; pemstate edits PEM's web config in place and never creates one");
        try
        {
            return WebConfig.Edit(web, text, settings);
        }
        catch (FormatException e)
        {
            throw new StepFailedException($"{step.Path}: {e.Message}", e);
        }
    }
}
