namespace PemCertState.Planning;

/// <summary>What the user asked of this one run beyond the inventory.</summary>
/// <param name="RotateCa">`apply --rotate-ca`: replace a CA that is still valid, with overlapping trust.</param>
public sealed record PlanOptions(bool RotateCa = false);
