namespace PemCertState.Planning;

/// <summary>What the user asked of this one run beyond the inventory.</summary>
/// <param name="RotateCa">`apply --rotate-ca`: replace a CA that is still valid, with overlapping trust.</param>
/// <param name="RotateCommon">`apply --rotate-common`: issue a new common-user pair although the shared one is still valid, install it
/// on every agent and restart every agent (agents.user: common only).</param>
public sealed record PlanOptions(bool RotateCa = false, bool RotateCommon = false);
