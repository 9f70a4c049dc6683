using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Rendering;

/// <summary>
/// The plan as a pull-request comment (GitHub and GitLab Markdown): the counts first, then one
/// section per host with one collapsed &lt;details&gt; per resource. Stable like the text plan (no
/// clock, no run ids, paths as the inventory gives them) so an unchanged plan gives a byte-identical
/// comment and a pipeline can skip or update it. Holds no key material: the plan has none.
/// </summary>
public static partial class PlanMarkdownRenderer
{
    /// <summary>The first line of every rendering. Pipelines find their earlier comment by it and edit that one.</summary>
    public const string Marker = "<!-- pemstate plan -->";

    /// <summary>GitHub refuses comments over 65,536 characters; this leaves room for a pipeline's own footer.</summary>
    public const int CommentLimit = 60_000;

    /// <param name="maxLength">
    /// Longest text to return. Whole resource sections are left out from the end, and a closing line
    /// says how many, so the Markdown stays well formed (a cut inside &lt;details&gt; would swallow the rest of the page).
    /// </param>
    public static string Render(Plan plan, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var text = new StringBuilder();
        text.Append(Marker).Append('\n');
        if (plan.IsEmpty)
        {
            text.Append("## pemstate plan: no changes\n\nEvery certificate, key and setting matches the inventory.\n");
            AppendNotes(plan, text);
            return text.ToString();
        }

        var hosts = plan.Steps.Select(s => s.Host).Distinct().ToList();
        text.Append("## pemstate plan: ").Append(Count(plan.Steps.Count, "step")).Append(" on ")
            .Append(Count(plan.Resources.Count, "resource")).Append(", ").Append(Count(hosts.Count, "host")).Append("\n\n");
        text.Append("| Action | Steps |\n| --- | ---: |\n");
        foreach (var group in plan.Steps.GroupBy(s => s.Action).OrderBy(g => g.Key))
            text.Append("| ").Append(StepView.VerbOf(group.Key)).Append(" | ").Append(group.Count()).Append(" |\n");
        text.Append('\n');

        var restarts = plan.Steps.Where(s => s.Action == StepAction.Restart).Select(s => s.Address.Target).Distinct().ToList();
        text.Append("**Restarts:** ").Append(restarts.Count == 0 ? "none" : string.Join(", ", restarts.Select(Code))).Append(".\n");
        var reloads = plan.Steps.Where(s => s.Action == StepAction.Reload).Select(s => s.Address.Target).Distinct().ToList();
        if (reloads.Count > 0) text.Append("**Reloads (no connection dropped):** ").Append(string.Join(", ", reloads.Select(Code))).Append(".\n");
        var signatures = plan.Steps.Count(s => s.Action == StepAction.RequestSignature);
        if (signatures > 0)
            text.Append("**Waiting for the CA:** ").Append(Count(signatures, "certificate signing request"))
                .Append(" to be signed before these certificates can be installed.\n");
        AppendNotes(plan, text);
        text.Append("\nApply runs the steps in plan order (backups first, server files, then every agent, the server restart last); ")
            .Append("here they are grouped by host and resource.\n");

        var sections = new List<string>();
        foreach (var host in hosts)
        {
            var onHost = plan.Steps.Where(s => s.Host == host).ToList();
            var resources = onHost.GroupBy(s => s.Address).ToList();
            sections.Add($"\n### Host {Code(host)}: {Count(resources.Count, "resource")}, {Count(onHost.Count, "step")}\n");
            foreach (var resource in resources) sections.Add(Section(resource.Key.ToString(), [.. resource]));
        }

        var shown = 0;
        foreach (var section in sections)
        {
            var left = sections.Count - shown;
            var room = maxLength - text.Length - section.Length - Omitted(left - 1).Length;
            if (room < 0) break;
            text.Append(section);
            shown++;
        }
        text.Append(Omitted(sections.Count - shown));
        return text.ToString();
    }

    private static string Omitted(int sections) => sections <= 0 ? "" :
        $"\n*{Count(sections, "more section")} left out to keep this comment short; `pemstate plan` prints the whole plan.*\n";

    private static string Section(string address, IReadOnlyList<PlanStep> steps)
    {
        var text = new StringBuilder();
        var views = steps.Select(StepView.Of).ToList();
        text.Append("\n<details><summary><code>").Append(Html(address)).Append("</code>: ")
            .Append(Html(string.Join(", ", views.Select(v => v.Verb).Distinct()))).Append("</summary>\n\n");
        string? lastReason = null;
        foreach (var view in views)
        {
            text.Append("- **").Append(view.Verb).Append("** ").Append(Markdown(view.Target)).Append('\n');
            foreach (var setting in view.Settings) text.Append("  - ").Append(Markdown(setting)).Append('\n');
            if (view.Before is { } before) text.Append("  - before: ").Append(Markdown(before)).Append('\n');
            if (view.After is { } after) text.Append("  - after: ").Append(Markdown(after)).Append('\n');
            if (view.Reason != lastReason) text.Append("  - why: ").Append(Words(view.Reason)).Append('\n');
            lastReason = view.Reason;
        }
        text.Append("\n</details>\n");
        return text.ToString();
    }

    /// <summary>A view's fragments in Markdown: pemstate's words escaped, values in code spans, arrows as arrows.</summary>
    private static string Markdown(IEnumerable<Fragment> fragments) => string.Concat(fragments.Select(f => f.Kind switch
    {
        Fragment.Style.Value or Fragment.Style.Quoted => Code(f.Text),
        Fragment.Style.Arrow => f.Text.Replace("->", "→", StringComparison.Ordinal).Replace("<-", "←", StringComparison.Ordinal),
        _ => Words(f.Text),
    }));

    /// <summary>Notes (an interrupted apply) and warnings (what no step can fix) as quoted paragraphs.</summary>
    private static void AppendNotes(Plan plan, StringBuilder text)
    {
        foreach (var note in plan.Notes) text.Append("\n> **Note:** ").Append(Words(note)).Append('\n');
        foreach (var warning in plan.Warnings) text.Append("\n> **Warning:** ").Append(Words(warning)).Append('\n');
        foreach (var refusal in plan.Refusals) text.Append("\n> **Apply will refuse:** ").Append(Words(refusal)).Append('\n');
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Paths(IEnumerable<string> paths, string separator) => string.Join(separator, paths.Select(Code));

    /// <summary>A code span that survives any content: a fence longer than the longest backtick run inside.</summary>
    private static string Code(string value)
    {
        value = value.Replace('\n', ' ');
        var longest = Backticks().Matches(value).Select(m => m.Length).DefaultIfEmpty(0).Max();
        var fence = new string('`', longest + 1);
        var pad = value.StartsWith('`') || value.EndsWith('`') || longest > 0 ? " " : "";
        return fence + pad + value + pad + fence;
    }

    /// <summary>Plain text in Markdown: no emphasis, links or HTML from what a reason happens to contain.</summary>
    private static string Words(string value) =>
        MarkdownSpecial().Replace(value.Replace('\n', ' '), m => m.Value switch
        {
            "<" => "&lt;",
            ">" => "&gt;",
            "&" => "&amp;",
            var c => "\\" + c,
        });

    private static string Html(string value) => WebUtility.HtmlEncode(value);

    [GeneratedRegex("`+")]
    private static partial Regex Backticks();

    /// <summary>Characters that start Markdown syntax; an underscore only at a word's edge (snake_case stays readable).</summary>
    [GeneratedRegex(@"[\\`*\[\]<>&|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")]
    private static partial Regex MarkdownSpecial();
}
