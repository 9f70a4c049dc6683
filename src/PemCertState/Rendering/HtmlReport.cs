using System.Globalization;
using System.Net;
using System.Text;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Verification;

namespace PemCertState.Rendering;

/// <summary>
/// `pemstate report`: the fleet on one self-contained HTML page. A timeline per CA (one mark per certificate: its
/// validity, its renewal window, today), the CRL's next update, the pending plan by resource, verify's findings, and a
/// table of every certificate as the chart's text alternative.
/// <para>
/// Rules the page keeps: nothing is fetched (no script, font, image or style from anywhere; a Content-Security-Policy
/// of default-src 'none' says so to the browser too); it reads without JavaScript (there is none); every string that
/// came from a host (subjects, issuers, paths, host names, reasons quoting them) is HTML-escaped, with control and
/// bidirectional-override characters shown as U+XXXX; it holds what status, plan and verify print and no key bytes.
/// Light at fleet size: a mark is a few short SVG elements, the table's cells drop their optional end tags, and
/// past <see cref="ResourceLimit"/> resources the plan lists its counts and the first resources only.
/// </para>
/// </summary>
public static class HtmlReport
{
    /// <summary>Plan resources (and findings) listed one by one; past this the page says how many more `pemstate plan` (or `verify`) shows.</summary>
    public const int ResourceLimit = 500;

    /// <summary>A group's marks are labelled (address and state beside each bar) up to this many rows; past it they are a dense band, and the table names them.</summary>
    public const int LabelledRows = 60;

    private const int PlotLeft = 255, PlotRight = 990, Top = 20;

    private const double DenseHeight = 320;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(FleetReport report)
    {
        var html = new StringBuilder(4096 + (report.Certificates.Count * 400));
        var certificates = report.Certificates.Where(c => !IsCrl(c)).ToList();
        var crls = report.Certificates.Where(IsCrl).ToList();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<meta name=\"generator\" content=\"pemstate\">")
            .Append("<title>pemstate report: ").Append(Encode(report.Inventory)).Append("</title>\n<style>").Append(Css).Append("</style></head>\n<body>\n");

        Header(html, report, certificates);
        Timeline(html, report, certificates, crls);
        Crl(html, crls);
        PlanSection(html, report.Plan);
        Findings(html, report.Findings);
        Table(html, certificates);
        html.Append("<footer><p>Made by <code>pemstate report</code> from what <code>status</code>, <code>plan</code> and <code>verify</code> observe. ")
            .Append("This page loads nothing from anywhere and runs no script. It holds no private key material.</p></footer>\n</body></html>\n");
        return html.ToString();
    }

    private static void Header(StringBuilder html, FleetReport report, List<CertificateStatus> certificates)
    {
        html.Append("<header><h1>PEM certificates</h1><p>Inventory <code>").Append(Encode(report.Inventory)).Append("</code>, observed ")
            .Append(Encode(report.Now.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant))).Append(".</p>\n<ul class=\"counts\">");
        html.Append(Invariant, $"<li>{Plural(certificates.Count, "certificate")}");
        foreach (var group in certificates.GroupBy(c => Primary(c.State)).OrderBy(g => Severity(g.Key)))
            html.Append(Invariant, $"<li class=\"{Class(group.Key)}\">{group.Count().ToString("N0", Invariant)} {Encode(group.Key)}");
        html.Append(Invariant, $"<li>{(report.Plan.IsEmpty ? "no changes pending" : Plural(report.Plan.Steps.Count, "step") + " pending on " + Plural(report.Plan.Resources.Count, "resource"))}");
        html.Append(Invariant, $"<li class=\"{(report.Findings.Count == 0 ? "ok" : "expired")}\">{(report.Findings.Count == 0 ? "no findings" : Plural(report.Findings.Count, "finding"))}</ul>\n");
        if (report.Skipped is { } skipped) html.Append("<p class=\"note\">").Append(Encode(skipped)).Append("</p>\n");
        html.Append("<nav><a href=\"#timeline\">Timeline</a> · <a href=\"#crl\">CRL</a> · <a href=\"#plan\">Plan</a> · <a href=\"#findings\">Findings</a> · <a href=\"#certificates\">Every certificate</a></nav></header>\n");
    }

    private static void Timeline(StringBuilder html, FleetReport report, List<CertificateStatus> certificates, List<CertificateStatus> crls)
    {
        html.Append("<section id=\"timeline\"><h2>Validity timeline</h2>\n<p class=\"legend\">Each bar runs from a certificate's not-before to its not-after; ")
            .Append("its darker end is the renewal window (from <em>renew_before</em> ahead of not-after), and the vertical line is today. ")
            .Append("Colour and words say the state: <span class=\"key ok\">ok</span> <span class=\"key soon\">renew soon</span> <span class=\"key expired\">expired</span> ")
            .Append("<span class=\"key revoked\">revoked</span> <span class=\"key missing\">missing</span> <span class=\"key old\">old CA kept trusted</span> <span class=\"key pending\">pending signature</span>. ")
            .Append("A diamond is the CRL's next update. Hover a mark for its dates; <a href=\"#certificates\">the table</a> lists the same.</p>\n");
        if (certificates.Count == 0)
        {
            html.Append("<p>No certificate.</p></section>\n");
            return;
        }
        var (start, end) = Range(certificates, report.Now);
        var groups = Groups(certificates);
        var index = 0;
        foreach (var group in groups)
        {
            index++;
            var rows = Ordered(group);
            var groupCrls = crls.Where(c => c.Issuer is not null && c.Issuer == group.Key).ToList();
            Chart(html, index, group.Key, rows, groupCrls, start, end, report.Now);
        }
        // A CRL whose issuer signs no certificate here still has a next update to show.
        var orphans = crls.Where(c => c.NotAfter is not null && groups.All(g => g.Key != c.Issuer)).ToList();
        if (orphans.Count > 0) Chart(html, ++index, orphans[0].Issuer, [], orphans, start, end, report.Now);
        html.Append("</section>\n");
    }

    private static void Chart(StringBuilder html, int index, string? ca, List<CertificateStatus> rows, List<CertificateStatus> crls, DateTimeOffset start, DateTimeOffset end, DateTimeOffset now)
    {
        var labelled = rows.Count <= LabelledRows;
        // A dense band is at most DenseHeight units tall whatever the fleet's size: its shape (when certificates were issued,
        // when they expire, which are red) is what a glance reads; the table names each one.
        var pitch = labelled ? 18.0 : Math.Max(0.01, Math.Round(DenseHeight / rows.Count, 2));
        var stroke = labelled ? 10.0 : Math.Max(1.0, pitch);
        var crlTop = Top + 9;
        var first = Top + (crls.Count * 18) + (labelled ? 9 : 2);
        var height = (int)Math.Ceiling(first + (rows.Count * pitch) + 22);
        double X(DateTimeOffset t) => Math.Clamp(PlotLeft + ((t - start) / (end - start) * (PlotRight - PlotLeft)), PlotLeft, PlotRight);

        var caName = ca is null ? "no certificate" : Encode(ca);
        var counts = string.Join(", ", rows.GroupBy(r => Primary(r.State)).OrderBy(g => Severity(g.Key)).Select(g => $"{g.Count().ToString("N0", Invariant)} {Encode(g.Key)}"));
        html.Append(Invariant, $"<figure><figcaption><h3>{(ca is null ? "Without a certificate" : "Issued by " + caName)}</h3> {Plural(rows.Count, "certificate")}{(counts.Length > 0 ? ": " + counts : "")}</figcaption>\n");
        html.Append(Invariant, $"<svg class=\"chart\" viewBox=\"0 0 1000 {height}\" role=\"img\" aria-labelledby=\"t{index}\" aria-describedby=\"d{index}\" stroke-width=\"{N(stroke)}\">");
        html.Append(Invariant, $"<title id=\"t{index}\">Validity of {Plural(rows.Count, "certificate")} {(ca is null ? "without a readable certificate" : "issued by " + caName)}</title>");
        html.Append(Invariant, $"<desc id=\"d{index}\">{(counts.Length > 0 ? counts + ". " : "")}Today is {Day(now)}. The table of every certificate below gives the same dates.</desc>\n");

        // Axis: month ticks, labelled.
        foreach (var (tick, label) in Ticks(start, end))
            html.Append(Invariant, $"<g class=\"tick\"><path d=\"M{N(X(tick))} {Top - 4}V{height - 18}\"/><text x=\"{N(X(tick))}\" y=\"12\">{label}</text></g>");

        for (var i = 0; i < crls.Count; i++)
        {
            var crl = crls[i];
            var y = crlTop + (i * 18);
            html.Append(Invariant, $"<g class=\"crl {Classes(crl.State)}\"><title>{Encode(crl.Host)}:{Encode(crl.Path)}: next update {(crl.NotAfter is { } n ? Day(n) : "none")}, {Encode(crl.State)}</title>");
            html.Append(Invariant, $"<text class=\"l\" x=\"170\" y=\"{y + 4}\">CRL next update</text><text class=\"s\" x=\"178\" y=\"{y + 4}\">{Encode(Primary(crl.State))}</text>");
            if (crl.NotAfter is { } next)
                html.Append(Invariant, $"<path d=\"M{N(X(next))} {y - 6}l6 6-6 6-6-6z\"/>");
            html.Append("</g>\n");
        }

        if (!labelled)
            html.Append(Invariant, $"<text class=\"l\" x=\"245\" y=\"{first + 8}\">{Plural(rows.Count, "certificate")},</text><text class=\"l\" x=\"245\" y=\"{first + 22}\">soonest to expire on top</text>\n");
        var windows = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = first + (i * pitch);
            html.Append(Invariant, $"<g class=\"m {Classes(row.State)}\"><title>{MarkTitle(row, labelled)}</title>");
            if (labelled)
                html.Append(Invariant, $"<text class=\"l\" x=\"170\" y=\"{N(y + 4)}\">{Encode(row.Address.ToString())}</text><text class=\"s\" x=\"178\" y=\"{N(y + 4)}\">{Encode(Primary(row.State))}</text>");
            if (row.NotAfter is { } notAfter)
            {
                // Whole units on the time axis (a unit is a day or two): a bar's start and end, and where its window opens.
                var from = Math.Round(X(row.NotBefore ?? notAfter));
                var to = Math.Max(Math.Round(X(notAfter)), from + 1);
                html.Append(Invariant, $"<path d=\"M{N(from)} {N(y)}H{N(to)}\"/>");
                if (row.RenewAt is { } renewAt && renewAt < notAfter)
                {
                    var window = $"M{N(Math.Min(Math.Round(X(renewAt)), to - 1))} {N(y)}H{N(to)}";
                    // Labelled: the window is part of its mark. A dense band draws every window as one path after the marks (a few bytes each, not an element each).
                    if (labelled) html.Append(Invariant, $"<path class=\"w\" d=\"{window}\"/>");
                    else windows.Append(window);
                }
            }
            else if (!labelled)
            {
                html.Append(Invariant, $"<path d=\"M{PlotLeft} {N(y)}h4\"/>");
            }
            html.Append("</g>\n");
        }
        if (windows.Length > 0) html.Append("<path class=\"w\" aria-hidden=\"true\" d=\"").Append(windows).Append("\"/>\n");
        // Today last, over the bars, so that a dense band cannot hide it.
        html.Append(Invariant, $"<g class=\"today\"><path d=\"M{N(X(now))} {Top - 4}V{height - 14}\"/><text x=\"{N(X(now))}\" y=\"{height - 3}\">today {Day(now)}</text></g>\n");
        html.Append("</svg></figure>\n");
    }

    private static void Crl(StringBuilder html, List<CertificateStatus> crls)
    {
        html.Append("<section id=\"crl\"><h2>CRL</h2>\n");
        if (crls.Count == 0)
        {
            html.Append("<p>No CRL is managed.</p></section>\n");
            return;
        }
        html.Append("<table><thead><tr><th>File<th>Issuer<th>Next update<th>Days left<th>State</thead><tbody>\n");
        foreach (var crl in crls)
            html.Append(Invariant, $"<tr class=\"{Classes(crl.State)}\"><td>{Encode(crl.Host)}:{Encode(crl.Path)}<td>{Encode(crl.Issuer ?? "-")}<td>{(crl.NotAfter is { } n ? Day(n) : crl.Issuer is null ? "-" : "none (never stale)")}<td>{crl.DaysLeft?.ToString(Invariant) ?? "-"}<td>{Encode(crl.State)}\n");
        html.Append("</tbody></table></section>\n");
    }

    private static void PlanSection(StringBuilder html, Plan plan)
    {
        html.Append("<section id=\"plan\"><h2>Pending plan</h2>\n");
        foreach (var note in plan.Notes) html.Append("<p class=\"note\">Note: ").Append(Encode(note)).Append("</p>\n");
        if (plan.IsEmpty) html.Append("<p class=\"ok\">No changes. Every certificate, key and setting matches the inventory.</p>\n");
        else
        {
            html.Append("<p>").Append(Encode(PlanTextRenderer.Summary(plan))).Append(" <code>pemstate apply</code> would carry them out in this order.</p>\n");
            var groups = PlanTextRenderer.GroupByResource(plan.Steps);
            var open = groups.Count <= 20 ? " open" : "";
            foreach (var group in groups.Take(ResourceLimit))
            {
                html.Append(Invariant, $"<details{open}><summary><code>{Encode(group[0].Address.ToString())}</code> on {Encode(group[0].Host)}: {Plural(group.Count, "step")}</summary><ol>");
                string? lastReason = null;
                foreach (var view in group.Select(StepView.Of))
                {
                    html.Append("<li><b>").Append(Encode(view.Verb)).Append("</b> ").Append(Encode(Fragment.Plain(view.Target)));
                    if (view.Reason != lastReason) html.Append("<br><small>why: ").Append(Encode(view.Reason)).Append("</small>");
                    lastReason = view.Reason;
                }
                html.Append("</ol></details>\n");
            }
            if (groups.Count > ResourceLimit)
                html.Append(Invariant, $"<p class=\"note\">… and {groups.Count - ResourceLimit} more resources; <code>pemstate plan</code> lists every step.</p>\n");
        }
        foreach (var warning in plan.Warnings) html.Append("<p class=\"soon\">Warning: ").Append(Encode(warning)).Append("</p>\n");
        foreach (var refusal in plan.Refusals) html.Append("<p class=\"expired\">Apply will refuse: ").Append(Encode(refusal)).Append("</p>\n");
        html.Append("</section>\n");
    }

    private static void Findings(StringBuilder html, IReadOnlyList<Finding> findings)
    {
        html.Append("<section id=\"findings\"><h2>Verify findings</h2>\n");
        if (findings.Count == 0)
        {
            html.Append("<p class=\"ok\">").Append(Encode(FindingsRenderer.Render(findings).TrimEnd())).Append("</p></section>\n");
            return;
        }
        html.Append(Invariant, $"<p>{Plural(findings.Count, "finding")} from the offline checks (<code>pemstate verify</code>; <code>--connect</code> also logs in).</p>\n<ul class=\"findings\">");
        foreach (var f in findings.Take(ResourceLimit))
            html.Append(Invariant, $"<li><code>{Encode(f.Address)}</code> {Encode(f.Host)}:{Encode(f.Path)}: {Encode(f.Message)}\n");
        html.Append("</ul>\n");
        if (findings.Count > ResourceLimit)
            html.Append(Invariant, $"<p class=\"note\">… and {findings.Count - ResourceLimit} more; <code>pemstate verify</code> lists them all.</p>\n");
        html.Append("</section>\n");
    }

    /// <summary>The chart's data, one table per CA (the issuer is said once, in its caption), in the timeline's order.</summary>
    private static void Table(StringBuilder html, List<CertificateStatus> certificates)
    {
        html.Append("<section id=\"certificates\"><h2>Every certificate</h2>\n")
            .Append(Invariant, $"<details{(certificates.Count <= LabelledRows ? " open" : "")}><summary>{Plural(certificates.Count, "certificate")}, by CA (the timeline's data)</summary>\n");
        foreach (var group in Groups(certificates))
        {
            html.Append(Invariant, $"<table><caption>{(group.Key is { } ca ? "Issued by " + Encode(ca) : "Without a readable certificate")}</caption>")
                .Append("<thead><tr><th>Resource<th>Host<th>File<th>Subject<th>Not before<th>Renew from<th>Not after<th>Days left<th>State</thead><tbody>\n");
            foreach (var c in Ordered(group))
            {
                html.Append(Invariant, $"<tr class=\"{Classes(c.State)}\"><td>{Encode(c.Address.ToString())}<td>{Encode(c.Host)}<td>{Encode(c.Path)}<td>{Encode(c.Subject ?? "-")}");
                html.Append(Invariant, $"<td>{Day(c.NotBefore)}<td>{Day(c.RenewAt)}<td>{Day(c.NotAfter)}<td>{c.DaysLeft?.ToString(Invariant) ?? "-"}<td>{Encode(c.Serial is { } serial ? $"{c.State}, serial {serial}" : c.State)}\n");
            }
            html.Append("</tbody></table>\n");
        }
        html.Append("</details></section>\n");
    }

    /// <summary>Certificates by CA: the current CA's group first, then the others by name, then those without a certificate.</summary>
    private static List<IGrouping<string?, CertificateStatus>> Groups(List<CertificateStatus> certificates) =>
        [.. certificates.GroupBy(GroupOf).OrderBy(g => g.Any(c => c.Address == Addresses.Ca) ? 0 : g.Key is null ? 2 : 1).ThenBy(g => g.Key, StringComparer.Ordinal)];

    /// <summary>A group's rows: its CA first, then soonest to expire first; those without dates last.</summary>
    private static List<CertificateStatus> Ordered(IEnumerable<CertificateStatus> group) =>
        [.. group.OrderBy(c => IsCa(c) ? 0 : 1).ThenBy(c => c.NotAfter ?? DateTimeOffset.MaxValue).ThenBy(c => c.Address.ToString(), StringComparer.Ordinal)];

    /// <summary>
    /// A mark's text: its address and state first, then its dates. A dense band (a big fleet) gives the address, state and
    /// days left only, to stay light; its table row has the dates.
    /// </summary>
    private static string MarkTitle(CertificateStatus c, bool full)
    {
        var text = new StringBuilder().Append(Encode(c.Address.ToString()));
        if (full) text.Append(" on ").Append(Encode(c.Host));
        text.Append(": ").Append(Encode(c.State));
        if (c.NotAfter is { } notAfter)
        {
            if (full && c.NotBefore is { } notBefore) text.Append("; from ").Append(Day(notBefore));
            if (full && c.RenewAt is { } renewAt && renewAt < notAfter) text.Append(", renew from ").Append(Day(renewAt));
            if (full) text.Append(", until ").Append(Day(notAfter)).Append(Invariant, $" ({c.DaysLeft} days left)");
            else text.Append(Invariant, $", {c.DaysLeft} days left");
        }
        return text.ToString();
    }

    /// <summary>The CA a certificate belongs under: a CA's own subject (it heads its group), else its issuer.</summary>
    private static string? GroupOf(CertificateStatus c) => IsCa(c) ? c.Subject : c.Issuer;

    private static bool IsCa(CertificateStatus c) => c.Address.Kind is ResourceKind.Ca || (c.Address.Kind is ResourceKind.RootBundle && c.Subject == c.Issuer);

    private static bool IsCrl(CertificateStatus c) => c.Address == Addresses.RootCrl;

    /// <summary>
    /// One time axis for every group, so bars compare across CAs: the leaves' validity and today, with a margin.
    /// A CA valid for ten years would squeeze every leaf into a sliver; its bar runs off the edge instead (its title has the dates).
    /// </summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Range(List<CertificateStatus> certificates, DateTimeOffset now)
    {
        var dated = certificates.Where(c => c.NotAfter is not null && !IsCa(c) && c.Address != Addresses.RootBundle).ToList();
        if (dated.Count == 0) dated = [.. certificates.Where(c => c.NotAfter is not null)];
        var start = dated.Select(c => c.NotBefore ?? c.NotAfter!.Value).Append(now).Min();
        var end = dated.Select(c => c.NotAfter!.Value).Append(now).Max();
        if (end - start < TimeSpan.FromDays(60)) end = start + TimeSpan.FromDays(60);
        var margin = (end - start) / 20;
        return (start - margin, end + margin);
    }

    /// <summary>First days of months, every 1, 2, 3, 6 or 12 months, so that the axis holds at most 12 labels.</summary>
    private static IEnumerable<(DateTimeOffset Tick, string Label)> Ticks(DateTimeOffset start, DateTimeOffset end)
    {
        var months = ((end.Year - start.Year) * 12) + end.Month - start.Month + 1;
        var step = new[] { 1, 2, 3, 6, 12, 24, 60, 120 }.FirstOrDefault(s => months / s <= 12, 240);
        var tick = new DateTimeOffset(start.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        while (tick < start || (((tick.Year * 12) + tick.Month - 1) % step) != 0) tick = tick.AddMonths(1);
        for (; tick <= end; tick = tick.AddMonths(step))
            yield return (tick, tick.ToString(step >= 12 ? "yyyy" : "yyyy-MM", Invariant));
    }

    private static string Primary(string state) => state.Split(", ", 2)[0];

    /// <summary>Worst first, for counts: what needs a person comes before what is fine.</summary>
    private static int Severity(string state) => Class(state) switch
    {
        "expired" => 0, "revoked" => 1, "missing" => 2, "unreadable" => 3, "soon" => 4, "pending" => 5, "future" => 6, "old" => 7, "removed" => 8, "ok" => 9, _ => 10,
    };

    /// <summary>CSS classes of a state as status words it ("expired, pending signature" is both).</summary>
    private static string Classes(string state) => string.Join(' ', state.Split(", ").Select(Class));

    private static string Class(string state) => state switch
    {
        "ok" => "ok",
        "renew soon" => "soon",
        "expired" => "expired",
        "not yet valid" => "future",
        "missing" => "missing",
        "unreadable" => "unreadable",
        "revoked" => "revoked",
        "removed" => "removed",
        "trusted (old CA)" => "old",
        "pending signature" => "pending",
        _ => "other",
    };

    private static string Plural(int count, string noun) => count.ToString("N0", Invariant) + " " + noun + (count == 1 ? "" : "s");

    private static string Day(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd", Invariant) ?? "-";

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", Invariant);

    /// <summary>
    /// HTML-escapes text (&lt; &gt; &amp; " ' included, so it is safe in element content and in quoted attributes), and shows
    /// control, format and bidirectional-override characters as U+XXXX: a subject from a host cannot add markup, nor
    /// reorder what the page displays around it.
    /// </summary>
    internal static string Encode(string text) => WebUtility.HtmlEncode(Printable.Of(text));

    private const string Css = """
        :root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#5b6470;--line:#d0d7de;--ok:#2e7d32;--soon:#b26a00;--expired:#c62828;--revoked:#6a1b9a;--missing:#455a64;--old:#6d7b8a;--pending:#1565c0}
        @media(prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9aa5b1;--line:#30363d;--ok:#57ab5a;--soon:#e0a040;--expired:#f47067;--revoked:#c297ff;--missing:#9aa5b1;--old:#8b98a5;--pending:#6cb6ff}}
        body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:72rem;padding:0 1rem 2rem}
        h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}h3{display:inline;font-size:1rem}
        code{font:12px ui-monospace,monospace}.note,.legend,footer,figcaption{color:var(--muted)}
        .counts{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;padding:0;list-style:none;font-weight:600}
        .ok{--c:var(--ok)}.soon{--c:var(--soon)}.expired,.unreadable,.other{--c:var(--expired)}.revoked{--c:var(--revoked)}.missing,.removed{--c:var(--missing)}.old,.future{--c:var(--old)}.pending{--c:var(--pending)}
        .counts li[class],p.ok,p.soon,p.expired{color:var(--c)}
        .key{border-left:1em solid var(--c);padding-left:.3em;margin-right:.5em;white-space:nowrap}
        figure{margin:1rem 0}svg.chart{width:100%;height:auto;display:block}
        .chart text{font:11px system-ui,sans-serif;fill:var(--fg)}.chart .l{text-anchor:end}.chart .s{fill:var(--c)}
        .tick path{stroke:var(--line);stroke-width:1}.tick text{fill:var(--muted);text-anchor:middle}
        .today path{stroke:var(--fg);stroke-width:1.5;stroke-dasharray:4 3}.today text{text-anchor:middle;font-weight:600}
        .m path{stroke:var(--c)}.chart .w{stroke:#0008}.m:hover path{stroke-opacity:.7}.crl path{fill:var(--c);stroke:none}
        table{border-collapse:collapse;width:100%;font-size:12px;margin:.6rem 0}caption{text-align:left;font-weight:600}th,td{border-bottom:1px solid var(--line);padding:.2rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        tbody tr td:last-child{color:var(--c);font-weight:600}#certificates td:nth-child(n+5){white-space:nowrap}
        details{margin:.3rem 0}summary{cursor:pointer}ol{margin:.2rem 0 .6rem}small{color:var(--muted)}.findings li{margin:.2rem 0}
        @media print{details>*{display:block}}
        """;
}
