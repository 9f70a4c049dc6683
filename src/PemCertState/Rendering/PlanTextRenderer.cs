using System.Globalization;
using System.Text;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Planning;
using PemCertState.Inventory;

namespace PemCertState.Rendering;

/// <summary>
/// The plan as people read it: one block per resource in plan order, one line per step, the reason
/// under it, before/after summaries of certificates. Stable: no clock, no key bytes; colours only when
/// asked for (the CLI asks on a terminal), and then only here, chosen from each step's kind
/// (<see cref="KindOf"/>), never by looking at the text.
/// </summary>
public static class PlanTextRenderer
{
    /// <summary>What a step does to its resource, as Terraform's plan shows it: the colour of its line.</summary>
    public enum ChangeKind { Add, Change, Replace, Remove, Restart, Other }

    private const string Reset = "\u001b[0m";

    /// <param name="colour">ANSI colours: additions green, changes yellow, a replacement's before red and after green,
    /// removals red, restarts and reloads bold, warnings yellow, refusals red. The text is otherwise identical.</param>
    public static string Render(Plan plan, bool colour = false)
    {
        var text = new StringBuilder();
        foreach (var note in plan.Notes) text.Append("Note: ").Append(Printable.Of(note)).Append("\n\n");
        if (plan.IsEmpty) return text.Append("No changes. Every certificate, key and setting matches the inventory.\n").Append(Warnings(plan, colour)).ToString();
        foreach (var group in GroupByResource(plan.Steps))
        {
            text.Append(Paint(colour, Bold, "# " + group[0].Address + " on " + group[0].Host)).Append('\n');
            string? lastReason = null;
            foreach (var step in group)
            {
                var kind = KindOf(step);
                var line = new StringBuilder().Append("  ").Append(Symbol(step.Action)).Append(' ').Append(Verb(step.Action).PadRight(14)).Append(Verb(step.Action).Length >= 14 ? " " : "").Append(Describe(step)).ToString();
                text.Append(Paint(colour, ColourOf(kind), line)).Append('\n');
                if (step.Before is { } before) text.Append(Paint(colour, kind == ChangeKind.Replace ? Red : null, "      before: " + Summary(before))).Append('\n');
                if (step.Issue is { } issue) text.Append(Paint(colour, Green, "      after:  " + After(issue, step.Address))).Append('\n');
                if (step.Settings is { } settings)
                    foreach (var s in settings)
                        text.Append("      ").Append(s.Name).Append(": ").Append(s.Before is null ? "(not set)" : $"'{s.Before}'").Append(s.CommentOut ? " -> (commented out)\n" : $" -> '{s.After}'\n");
                if (step.Reason != lastReason) text.Append("      why:    ").Append(step.Reason).Append('\n');
                lastReason = step.Reason;
            }
            text.Append('\n');
        }
        text.Append(Paint(colour, Bold, Summary(plan))).Append('\n');
        return text.Append(Warnings(plan, colour)).ToString();
    }

    /// <summary>
    /// The kind of change, from the action alone (and, for a certificate, whether one is there to be replaced):
    /// the single place colours are chosen from.
    /// </summary>
    public static ChangeKind KindOf(PlanStep step) => step.Action switch
    {
        StepAction.Issue or StepAction.InstallSigned when step.Before is not null => ChangeKind.Replace,
        StepAction.Restart or StepAction.Reload => ChangeKind.Restart,
        StepAction.Remove or StepAction.RemovePending or StepAction.RemoveLeftover => ChangeKind.Remove,
        StepAction.Backup or StepAction.TestConfig => ChangeKind.Other,
        _ => Symbol(step.Action) switch
        {
            '+' => ChangeKind.Add,
            '~' or '>' => ChangeKind.Change,
            _ => ChangeKind.Other,
        },
    };

    private const string Green = "\u001b[32m";
    private const string Yellow = "\u001b[33m";
    private const string Red = "\u001b[31m";
    private const string Bold = "\u001b[1m";

    private static string? ColourOf(ChangeKind kind) => kind switch
    {
        ChangeKind.Add => Green,
        ChangeKind.Change => Yellow,
        ChangeKind.Replace => Yellow,
        ChangeKind.Remove => Red,
        ChangeKind.Restart => Bold,
        _ => null,
    };

    /// <summary>One line in one colour, reset before its newline, so a pager or a cut line never bleeds colour into the next.</summary>
    private static string Paint(bool colour, string? code, string line) => colour && code is not null ? code + line + Reset : line;

    /// <summary>"Plan: 14 steps on 6 resources (2 keys to generate, 2 certificates to issue, 1 restart)."</summary>
    public static string Summary(Plan plan)
    {
        var counts = plan.Steps.GroupBy(s => s.Action).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {Verb(g.Key)}");
        return $"Plan: {Counts.Of(plan.Steps.Count, "step")} on {Counts.Of(plan.Resources.Count, "resource")} ({string.Join(", ", counts)}).";
    }

    private static string Warnings(Plan plan, bool colour) => string.Concat(plan.Warnings.Select(w => Paint(colour, Yellow, $"Warning: {Printable.Of(w)}") + "\n"))
        + string.Concat(plan.Refusals.Select(r => Paint(colour, Red, $"Apply will refuse: {Printable.Of(r)}") + "\n"));

    /// <summary>Consecutive steps on the same resource form a block; the plan's order is never changed.</summary>
    internal static List<List<PlanStep>> GroupByResource(IReadOnlyList<PlanStep> steps)
    {
        var groups = new List<List<PlanStep>>();
        foreach (var step in steps)
        {
            if (groups.Count > 0 && groups[^1][0].Address == step.Address && groups[^1][0].Host == step.Host) groups[^1].Add(step);
            else groups.Add([step]);
        }
        return groups;
    }

    public static string Verb(StepAction action) => action switch
    {
        StepAction.Backup => "backup",
        StepAction.GenerateKey => "generate key",
        StepAction.Issue => "issue",
        StepAction.RequestSignature => "request signature",
        StepAction.InstallSigned => "install signed",
        StepAction.Install => "install",
        StepAction.WriteBundle => "write bundle",
        StepAction.WriteCrl => "write CRL",
        StepAction.SetMode => "set mode",
        StepAction.SetOwner => "set owner",
        StepAction.EditSettings => "edit settings",
        StepAction.CreateRole => "create role",
        StepAction.DisableJob => "disable job",
        StepAction.Restart => "restart",
        StepAction.Reload => "reload",
        StepAction.Restore => "restore",
        StepAction.Remove => "remove",
        StepAction.TestConfig => "test config",
        StepAction.WriteLedger => "write ledger",
        StepAction.RemovePending => "remove pending",
        StepAction.EnableJob => "enable job",
        StepAction.MoveState => "move",
        StepAction.RemoveLeftover => "remove leftover",
        _ => action.ToString(),
    };

    private static char Symbol(StepAction action) => action switch
    {
        StepAction.Backup => '=',
        StepAction.SetMode or StepAction.SetOwner or StepAction.EditSettings or StepAction.Restore => '~',
        StepAction.Remove or StepAction.RemovePending or StepAction.RemoveLeftover => '-',
        StepAction.MoveState => '>',
        StepAction.Restart => '!',
        StepAction.Reload => '~',
        StepAction.TestConfig => '?',
        _ => '+',
    };

    internal static string Describe(PlanStep step) => step.Action switch
    {
        StepAction.Backup => $"{string.Join(", ", step.Paths)} -> {step.BackupDir}/<time>/",
        StepAction.GenerateKey => $"{step.Key} (in memory until installed)",
        StepAction.Issue => step.Issue!.SelfSigned ? "self-signed CA certificate" : $"certificate signed by {step.Issue.Issuer}",
        StepAction.Install => $"{string.Join(" + ", step.Paths)} ({ModeAndOwner(step)}){(step.Source != step.Address ? $" from {step.Source}" : "")}",
        StepAction.WriteBundle => step.Bundle is { Count: > 1 } bundle
            ? $"{step.Paths[0]} ({ModeAndOwner(step)}) = {bundle.Count - 1} old CA(s) + the new CA"
            : $"{step.Paths[0]} ({ModeAndOwner(step)}) = {(step.Source == Addresses.Ca ? "the CA certificate" : step.Source)}",
        StepAction.WriteCrl => (step.Bundle is { Count: > 1 } crls
            ? $"{step.Paths[0]} ({ModeAndOwner(step)}) = a CRL from each of {crls.Count} CAs"
            : $"{step.Paths[0]} ({ModeAndOwner(step)}) {(step.Source == Addresses.Ca ? "signed by the CA" : "= " + step.Source)}") + Revoking(step),
        StepAction.WriteLedger => $"{step.Paths[0]} ({ModeAndOwner(step)}){Retiring(step)}",
        StepAction.SetMode => $"{step.Paths[0]} -> {FileModes.Format(step.Mode!.Value)}",
        StepAction.SetOwner => $"{step.Paths[0]} -> {step.Owner}",
        StepAction.EditSettings => step.Paths[0],
        StepAction.Restart or StepAction.TestConfig => $"run: {step.Command}",
        StepAction.Reload => step.Command is { } command ? $"run: {command}" : Inventory.ServerReload.OverDatabase,
        StepAction.Restore => $"{step.Paths[0]} <- {step.Source} ({ModeAndOwner(step)})",
        StepAction.RequestSignature => $"{string.Join(" + ", step.Paths)}",
        StepAction.InstallSigned => $"{string.Join(" + ", step.Paths)} ({ModeAndOwner(step)}) from {step.Source}",
        StepAction.Remove => $"{string.Join(", ", step.Paths)} (a backup copy was taken)",
        StepAction.MoveState => $"{step.Source} -> {step.Paths[0]} ({ModeAndOwner(step)}, then removed from data_dir)",
        StepAction.DisableJob => $"UPDATE pem.job SET jobenabled = false WHERE jobname = '{step.Source}'",
        StepAction.EnableJob => $"UPDATE pem.job SET jobenabled = true WHERE jobname = '{step.Source}'",
        StepAction.RemovePending => string.Join(", ", step.Source is { } request ? [.. step.Paths, request] : step.Paths) + " (never used, no backup)",
        StepAction.RemoveLeftover => $"{step.Paths[0]} (left by an interrupted write, no backup)",
        _ => string.Join(", ", step.Paths),
    };

    private static string Revoking(PlanStep step) =>
        step.Revoke?.Where(r => r.Revoke).SelectMany(r => r.Serials).ToList() is { Count: > 0 } serials
            ? $", revoking serial{(serials.Count == 1 ? "" : "s")} {string.Join(", ", serials)}"
            : "";

    private static string Retiring(PlanStep step) =>
        step.Revoke is { Count: > 0 } leaving ? $", retiring agent{(leaving.Count == 1 ? "" : "s")} {string.Join(", ", leaving.Select(r => r.Agent))}" : "";

    private static string ModeAndOwner(PlanStep step) =>
        (step.Mode is { } mode ? FileModes.Format(mode) : "mode kept") + (step.Owner is { } owner ? $", owner {owner}" : "");

    private static string Summary(CertificateSummary s) =>
        $"{s.Subject}, issuer {s.Issuer}, serial {s.Serial}, not after {s.NotAfter.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}, {s.Key}, sha256 {s.Sha256}";

    private static string After(IssueRequest issue, string address) =>
        $"{issue.Subject}, issuer {(issue.SelfSigned ? "itself" : issue.Issuer)}, valid {(int)issue.Validity.TotalDays} days"
        + (issue.Usage is { } usage ? $", {Usage(usage)}" : ", CA:TRUE")
        + (issue.SubjectAltNames.Count > 0 ? $", names {string.Join(", ", issue.SubjectAltNames)}" : "");

    private static string Usage(LeafUsage usage) => usage switch
    {
        LeafUsage.Server => "serverAuth",
        LeafUsage.Client => "clientAuth",
        _ => "serverAuth, clientAuth",
    };
}
