using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>The agent list after discovery. <see cref="Desired"/> is null when <see cref="Errors"/> is not empty.</summary>
/// <param name="Notes">Things a person should know that do not stop the plan (a listed agent that is not active).</param>
internal sealed record Discovery(DesiredState? Desired, IReadOnlyList<string> Errors, IReadOnlyList<string> Notes);
