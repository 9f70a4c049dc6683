using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// root.crt and root.crl as files on the server, whichever CA fills them: kept (mode and owner checked) while the issuer has
/// no reason to write them, else backed up and written from what the issuer names. The rotation phases around the agents
/// (the load between phase 1 and 2, phase 3's writes) are here too, so both paths move through them the same way.
/// </summary>
internal static class RootTrust
{
    /// <summary>The managed CA, as the source of root.crt, root.crl or a web chain and as an entry of a rotation's bundle.</summary>
    public const string ManagedCa = "ca";

    /// <summary>root.crt: kept when <paramref name="reason"/> is null, else backed up and written from <paramref name="source"/>.</summary>
    /// <param name="bundle">During a rotation: the entries root.crt holds, in order (fingerprints and the issuer's own).</param>
    public static bool PlanBundle(ServerSpec server, ObservedBundle root, string? reason, string source, List<PlanStep> steps, IReadOnlyList<string>? bundle = null)
    {
        if (reason is null)
        {
            Planner.PlanModeAndOwner(Addresses.RootBundle, server.Owner, [root.File], steps);
            return false;
        }
        Planner.AddBackup(Addresses.RootBundle, server.Host, server.BackupDir, [root.File], reason, steps);
        steps.Add(new WriteBundleStep(Addresses.RootBundle, server.Host, reason, root.File.Path, source, Owner: server.Owner, Bundle: bundle));
        return true;
    }

    /// <summary>root.crl: kept when <paramref name="reason"/> is null, else backed up and written from <paramref name="source"/> (null: removed).</summary>
    public static bool PlanCrl(ServerSpec server, ObservedCrl crl, string? reason, string? source, List<PlanStep> steps,
        IReadOnlyList<string>? bundle = null, IReadOnlyList<Retirement>? revoke = null)
    {
        if (reason is null)
        {
            Planner.PlanModeAndOwner(Addresses.RootCrl, server.Owner, [crl.File], steps);
            return false;
        }
        Planner.AddBackup(Addresses.RootCrl, server.Host, server.BackupDir, [crl.File], reason, steps);
        steps.Add(source is null
            ? new RemoveStep(Addresses.RootCrl, server.Host, reason, [crl.File.Path])
            : new WriteCrlStep(Addresses.RootCrl, server.Host, reason, crl.File.Path, source, Owner: server.Owner, Bundle: bundle, Revoke: revoke));
        return true;
    }

    /// <summary>
    /// Between phase 1 and 2: when a certificate from the new CA is installed after <paramref name="beforeLeaves"/>, the server
    /// must load root.crt with both CAs first, so the load goes in there.
    /// </summary>
    public static void PlanLoadBeforeLeaves(ServerSpec server, ObservedState observed, int beforeLeaves, List<PlanStep> steps)
    {
        var leavesMove = steps.Skip(beforeLeaves).Any(s => s.Action is StepAction.InstallSigned or StepAction.Install);
        if (leavesMove && ServerLoad.Step(server, observed, _ =>
                "CA rotation: the server must trust the old and the new CA before any certificate from the new CA is installed", bothCas: true) is { } both)
            steps.Insert(beforeLeaves, both);
    }

    /// <summary>Phase 3: root.crt written again without the old CA (always backed up first: phase 1 wrote it in this apply).</summary>
    public static void PlanFinalBundle(ServerSpec server, ObservedServer seen, string oldNames, string source, List<PlanStep> steps)
    {
        var reason = $"CA rotation, phase 3: after the steps above no managed certificate is issued by {oldNames}; it leaves root.crt";
        steps.Add(new BackupStep(Addresses.RootBundle, server.Host, reason, [seen.Root.File.Path], server.BackupDir));
        steps.Add(new WriteBundleStep(Addresses.RootBundle, server.Host, reason, seen.Root.File.Path, source, Owner: server.Owner));
    }
}
