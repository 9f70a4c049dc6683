using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Verification;

/// <summary>Findings from what the PEM database said: agent roles that cannot log in, and pg_hba.conf. Pure.</summary>
public static class DatabaseVerifier
{
    public static IReadOnlyList<Finding> Verify(DesiredState desired, ObservedState observed)
    {
        var findings = new List<Finding>();
        if (observed.Database is not { } database || desired.Server.Database is not { } spec) return findings;
        var host = desired.Server.Host;
        if (!database.Reached)
        {
            findings.Add(new Finding("server.database", host, database.Target, $"not reached: {database.Error}"));
            return findings;
        }
        foreach (var role in DatabaseObserver.AgentRoles(desired.Agents))
            if (database.Roles.GetValueOrDefault(role)?.Problem is { } problem)
                findings.Add(new Finding(Addresses.Role(role), host, database.Target, problem));
        var hbaFile = database.Effective.GetValueOrDefault("hba_file") ?? "pg_hba.conf";
        if (database.HbaError is { } error)
            findings.Add(new Finding("server.pg_hba", host, hbaFile, $"not checked: {error}"));
        else if (HbaCheck.Problem(database.HbaRules, spec.Name, DatabaseObserver.AgentRoles(desired.Agents)) is { } hba)
            findings.Add(new Finding("server.pg_hba", host, hbaFile, hba));
        return findings;
    }
}
