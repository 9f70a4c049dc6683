using System.Text;
using PemCertState.Planning;
using PemCertState.Inventory;

namespace PemCertState.Rendering;

/// <summary>
/// The plan as people read it: one block per resource in plan order, one line per step, the reason
/// under it, before/after summaries of certificates. Stable: no clock, no key bytes; colours only when
/// asked for (the CLI asks on a terminal), and then only here, chosen from each step's kind
/// (<see cref="StepView.Kind"/>), never by looking at the text. Every word about a step comes from its <see cref="StepView"/>.
/// </summary>
public static class PlanTextRenderer
{
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
            foreach (var view in group.Select(StepView.Of))
            {
                var line = new StringBuilder().Append("  ").Append(view.Symbol).Append(' ').Append(view.Verb.PadRight(14)).Append(view.Verb.Length >= 14 ? " " : "").Append(Fragment.Plain(view.Target)).ToString();
                text.Append(Paint(colour, ColourOf(view.Kind), line)).Append('\n');
                if (view.Before is { } before) text.Append(Paint(colour, view.Kind == ChangeKind.Replace ? Red : null, "      before: " + Fragment.Plain(before))).Append('\n');
                if (view.After is { } after) text.Append(Paint(colour, Green, "      after:  " + Fragment.Plain(after))).Append('\n');
                foreach (var setting in view.Settings) text.Append("      ").Append(Fragment.Plain(setting)).Append('\n');
                if (view.Reason != lastReason) text.Append("      why:    ").Append(view.Reason).Append('\n');
                lastReason = view.Reason;
            }
            text.Append('\n');
        }
        text.Append(Paint(colour, Bold, Summary(plan))).Append('\n');
        return text.Append(Warnings(plan, colour)).ToString();
    }

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
            .Select(g => $"{g.Count()} {StepView.VerbOf(g.Key)}");
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
}
