using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Verification;

namespace PemCertState.Rendering;

/// <summary>
/// What `pemstate report` shows, made by the same code as `status`, `plan` and `verify` (offline): the report
/// renders these models and judges nothing itself, so it cannot say other than those verbs say.
/// </summary>
/// <param name="Inventory">The inventory's file name, for the page's title (a name, not a path: the page may be published).</param>
/// <param name="Now">The clock the states, the plan and the findings were judged with.</param>
/// <param name="Skipped">What --skip-host left out, or null.</param>
public sealed record FleetReport(
    string Inventory,
    DateTimeOffset Now,
    IReadOnlyList<CertificateStatus> Certificates,
    Plan Plan,
    IReadOnlyList<Finding> Findings,
    string? Skipped = null)
{
    public static FleetReport Create(string inventory, DesiredState desired, ObservedState observed, DateTimeOffset now, string? skipped = null) =>
        new(inventory, now, StatusReport.Create(desired, observed, now), Planner.Create(desired, observed, now),
            [.. OfflineVerifier.Verify(desired, observed, now), .. DatabaseVerifier.Verify(desired, observed)], skipped);
}
