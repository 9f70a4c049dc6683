using System.Globalization;
using System.Text;
using PemCertState.Observation;
using PemCertState.Verification;

namespace PemCertState.Rendering;

/// <summary>
/// `pemstate status --format prometheus`: the status rows as Prometheus text exposition (version 0.0.4, what
/// node_exporter's textfile collector reads). Written from the same <see cref="CertificateStatus"/> rows as the status
/// table, so a certificate's state here is the table's.
/// </summary>
/// <remarks>
/// Subjects, issuers and host names come from files on managed hosts: every label value is escaped (backslash, double
/// quote, newline), other control characters are replaced, and a value is cut at <see cref="MaximumLabelLength"/>
/// characters, so that no certificate can add a line, a series or a metric to the file.
/// </remarks>
public static class PrometheusRenderer
{
    /// <summary>Longer subjects and issuers are cut (with "…"): a certificate on a host could carry a DN of any size.</summary>
    public const int MaximumLabelLength = 512;

    /// <summary>Every value of the state label, in the order they are written. One series each; 1 for the current one.</summary>
    public static IReadOnlyList<string> States { get; } =
        ["ok", "renew_soon", "expired", "not_yet_valid", "revoked", "pending_signature", "missing", "unreadable", "removed"];

    /// <summary>Every value of the last apply's result label: succeeded, failed (a step failed), unfinished (running, or killed).</summary>
    public static IReadOnlyList<string> Results { get; } = ["succeeded", "failed", "unfinished"];

    /// <param name="rows">What <see cref="StatusReport.Create"/> made.</param>
    /// <param name="now">The time of the observation (pemstate_status_timestamp_seconds).</param>
    /// <param name="pendingSteps">Steps the plan made from the same observation would carry out; null leaves the metric out.</param>
    /// <param name="lastRun">The last apply's (or rollback's) journal; null leaves its metrics out.</param>
    public static string Render(IReadOnlyList<CertificateStatus> rows, DateTimeOffset now, int? pendingSteps, ObservedJournal? lastRun)
    {
        var text = new StringBuilder();
        // One series per label set: two rows that would give the same labels (one CA twice in root.crt) are one certificate.
        var distinct = rows.GroupBy(LabelSet, StringComparer.Ordinal).Select(g => (Labels: g.Key, Row: g.First())).ToList();

        Family(text, "pemstate_certificate_not_after_timestamp_seconds",
            "When the certificate expires (for root.crl: its nextUpdate), as Unix time.");
        foreach (var (labels, row) in distinct)
            if (row.NotAfter is { } notAfter) Sample(text, "pemstate_certificate_not_after_timestamp_seconds", labels, Seconds(notAfter));

        Family(text, "pemstate_certificate_renew_at_timestamp_seconds",
            "When the next apply renews it: not-after minus renew_before, as Unix time.");
        foreach (var (labels, row) in distinct)
            if (row.RenewAt is { } renewAt) Sample(text, "pemstate_certificate_renew_at_timestamp_seconds", labels, Seconds(renewAt));

        Family(text, "pemstate_certificate_state",
            "1 for the certificate's current state, 0 for the others (pending_signature: no live file while a new key waits for the CA).");
        foreach (var (labels, row) in distinct)
        {
            var current = StateOf(row);
            foreach (var state in States)
                Sample(text, "pemstate_certificate_state", $"{labels},state=\"{state}\"", state == current ? "1" : "0");
        }

        Family(text, "pemstate_certificate_pending_signature",
            "1 while a new key for this certificate waits for the trusted CA's signature, whatever the live file's state.");
        foreach (var (labels, row) in distinct)
            Sample(text, "pemstate_certificate_pending_signature", labels, row.PendingSignature ? "1" : "0");

        if (pendingSteps is { } steps)
        {
            Family(text, "pemstate_plan_pending_steps", "Steps `pemstate plan` would show now (0: the hosts match the inventory).");
            Sample(text, "pemstate_plan_pending_steps", null, steps.ToString(CultureInfo.InvariantCulture));
        }

        if (lastRun is not null)
        {
            if (lastRun.Started is { } started)
            {
                Family(text, "pemstate_last_apply_timestamp_seconds", "When the last apply (or rollback) that changed something began, as Unix time.");
                Sample(text, "pemstate_last_apply_timestamp_seconds", null, Seconds(started));
            }
            Family(text, "pemstate_last_apply_result", "1 for the last apply's result: succeeded, failed (a step failed) or unfinished (running now, or killed).");
            var result = lastRun.Finished ? "succeeded" : lastRun.Error is not null ? "failed" : "unfinished";
            foreach (var value in Results)
                Sample(text, "pemstate_last_apply_result", $"result=\"{value}\"", value == result ? "1" : "0");
            Family(text, "pemstate_last_apply_steps", "Steps the last apply's plan had.");
            Sample(text, "pemstate_last_apply_steps", null, lastRun.Steps.ToString(CultureInfo.InvariantCulture));
        }

        Family(text, "pemstate_status_timestamp_seconds", "When pemstate observed the hosts for these metrics, as Unix time.");
        Sample(text, "pemstate_status_timestamp_seconds", null, Seconds(now));
        return text.ToString();
    }

    /// <summary>The state label of a row: its condition, except that a certificate with no live file that waits for its signature is pending_signature.</summary>
    public static string StateOf(CertificateStatus row) => row.Condition switch
    {
        CertificateCondition.Missing when row.PendingSignature => "pending_signature",
        CertificateCondition.Ok => "ok",
        CertificateCondition.RenewSoon => "renew_soon",
        CertificateCondition.Expired => "expired",
        CertificateCondition.NotYetValid => "not_yet_valid",
        CertificateCondition.Revoked => "revoked",
        CertificateCondition.Missing => "missing",
        CertificateCondition.Unreadable => "unreadable",
        CertificateCondition.Removed => "removed",
        _ => throw new InvalidOperationException($"unknown condition {row.Condition}"),
    };

    /// <summary>
    /// A label value between double quotes, as the exposition format reads it back: \ " and newline escaped; other control
    /// characters (a carriage return would end the line for some readers) become U+FFFD; cut at <see cref="MaximumLabelLength"/>.
    /// </summary>
    public static string Quote(string? value)
    {
        value ??= "";
        if (value.Length > MaximumLabelLength) value = value[..(MaximumLabelLength - 1)] + "…";
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': quoted.Append(@"\\"); break;
                case '"': quoted.Append("\\\""); break;
                case '\n': quoted.Append(@"\n"); break;
                case < ' ' or '\u007f' or (>= '\u0080' and <= '\u009f') or '\u2028' or '\u2029': quoted.Append('\uFFFD'); break;
                // A lone surrogate is no character: UTF-8 cannot carry it.
                case >= '\ud800' and <= '\udbff' when i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]):
                    quoted.Append(c).Append(value[++i]);
                    break;
                case >= '\ud800' and <= '\udfff': quoted.Append('\uFFFD'); break;
                default: quoted.Append(c); break;
            }
        }
        return quoted.Append('"').ToString();
    }

    private static string LabelSet(CertificateStatus row) =>
        $"address={Quote(row.Address.ToString())},host={Quote(row.Host)},subject={Quote(row.Subject)},issuer={Quote(row.Issuer)},serial_number={Quote(row.CertificateSerial ?? row.Serial)}";

    private static void Family(StringBuilder text, string name, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" gauge\n");

    private static void Sample(StringBuilder text, string name, string? labels, string value)
    {
        text.Append(name);
        if (labels is not null) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(value).Append('\n');
    }

    private static string Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
