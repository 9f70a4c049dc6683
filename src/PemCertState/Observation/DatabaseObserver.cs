using PemCertState.Database;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>Reads the PEM database's side of the desired state. Read only; a database that does not answer is a fact, not a failure.</summary>
public static class DatabaseObserver
{
    public static async Task<ObservedDatabase> ObserveAsync(DesiredState desired, DatabaseSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            await using var database = await PemDatabase.OpenAsync(spec, cancellationToken).ConfigureAwait(false);
            var effective = await database.EffectiveSettingsAsync(cancellationToken).ConfigureAwait(false);
            var roles = await database.RolesAsync(AgentRoles(desired.Agents), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<HbaRule> hba = [];
            string? hbaError = null;
            try
            {
                hba = await database.HbaRulesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PemDatabaseException e)
            {
                // pg_hba_file_rules needs superuser or pg_read_all_settings; its absence must not hide the rest.
                hbaError = e.Message;
            }
            var presented = database.ServerCertificate is { } certificate
                ? Crypto.Fingerprints.Sha256Hex(certificate.RawData)
                : null;
            return new ObservedDatabase(spec.ToString(), true, null, effective, roles, hba, hbaError, presented);
        }
        catch (PemDatabaseException e)
        {
            return ObservedDatabase.NotReached(spec.ToString(), e.Message);
        }
    }

    /// <summary>The roles agents log in as: agent&lt;ID&gt; each, or the one common user.</summary>
    public static IReadOnlyList<string> AgentRoles(AgentsSpec agents) =>
        agents.User == AgentUserMode.Common
            ? [agents.CommonUser]
            : [.. agents.List.Select(a => PemFiles.AgentUser(agents, a))];
}
