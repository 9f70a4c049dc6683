namespace PemCertState.Planning;

/// <summary>
/// The one rule for every key and certificate pair, whichever CA issues (cert-manager's Certificate beside its Issuer):
/// kept, with its mode and owner checked, while the issuer finds nothing wrong with it; else backed up, then replaced the
/// issuer's way (self-signed: a new key, signed in process; trusted: the pending key and the certificate the CA signed).
/// </summary>
internal static class PairReconciler
{
    /// <summary>Returns whether the pair changes.</summary>
    public static bool Plan(PairResource pair, IIssuer issuer, List<PlanStep> steps)
    {
        if (issuer.Fault(pair) is not { } reason)
        {
            Planner.PlanModeAndOwner(pair.Address, pair.Owner, pair.Files, steps);
            return false;
        }
        Planner.AddBackup(pair.Address, pair.Host, pair.BackupDir, pair.Files, reason, steps);
        issuer.PlanNewPair(pair, reason, steps);
        return true;
    }
}
