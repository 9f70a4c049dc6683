using System.Globalization;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using static PemCertState.Rendering.Fragment;

namespace PemCertState.Rendering;

/// <summary>
/// One step as every renderer shows it. The text plan, the Markdown comment, the HTML report and the command line's
/// messages read a step only through this, and the JSON plan names its action by the same <see cref="StepActionNames"/>,
/// so no two of them can tell a step two ways (issue 19: the Markdown plan once showed a rotation's two root.crt writes as
/// the same "CA certificate"). Derived from the step alone: no clock, no host, no key material.
/// </summary>
public sealed record StepView
{
    public required string Address { get; init; }

    public required string Host { get; init; }

    /// <summary>The action's wire name: "write_bundle".</summary>
    public required string Action { get; init; }

    /// <summary>The action for people: "write bundle".</summary>
    public required string Verb { get; init; }

    /// <summary>The text plan's mark before the verb: + adds, ~ changes, - removes, ! restarts, = copies, ? tests, > moves.</summary>
    public required char Symbol { get; init; }

    public required ChangeKind Kind { get; init; }

    /// <summary>What the step acts on and what it leaves there: "root.crt (0600) = the old CA + the new CA".</summary>
    public required IReadOnlyList<Fragment> Target { get; init; }

    /// <summary>The certificate in place now, when one is replaced.</summary>
    public IReadOnlyList<Fragment>? Before { get; init; }

    /// <summary>The certificate the step issues.</summary>
    public IReadOnlyList<Fragment>? After { get; init; }

    /// <summary>One line per setting changed: "ssl_ca_file: 'root.crt' -> '/data/root.crt'".</summary>
    public IReadOnlyList<IReadOnlyList<Fragment>> Settings { get; init; } = [];

    public required string Reason { get; init; }

    public static StepView Of(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepView
        {
            Address = step.Address,
            Host = step.Host,
            Action = step.Action.WireName(),
            Verb = VerbOf(step.Action),
            Symbol = SymbolOf(step.Action),
            Kind = KindOf(step),
            Target = TargetOf(step),
            Before = step.Before is { } before ? Summary(before) : null,
            After = step.Issue is { } issue ? Issued(issue) : null,
            Settings = step.Settings is { } settings ? [.. settings.Select(Setting)] : [],
            Reason = step.Reason,
        };
    }

    /// <summary>The action for people, as the plan's summary counts it: "generate key".</summary>
    public static string VerbOf(StepAction action) => action switch
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
        _ => action.WireName(),
    };

    private static char SymbolOf(StepAction action) => action switch
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

    /// <summary>The kind of change, from the action alone (and, for a certificate, whether one is there to be replaced).</summary>
    private static ChangeKind KindOf(PlanStep step) => step.Action switch
    {
        StepAction.Issue or StepAction.InstallSigned when step.Before is not null => ChangeKind.Replace,
        StepAction.Restart or StepAction.Reload => ChangeKind.Restart,
        StepAction.Remove or StepAction.RemovePending or StepAction.RemoveLeftover => ChangeKind.Remove,
        StepAction.Backup or StepAction.TestConfig => ChangeKind.Other,
        _ => SymbolOf(step.Action) switch
        {
            '+' => ChangeKind.Add,
            '~' or '>' => ChangeKind.Change,
            _ => ChangeKind.Other,
        },
    };

    private static IReadOnlyList<Fragment> TargetOf(PlanStep step) => step.Action switch
    {
        StepAction.Backup => [.. Values(step.Paths, ", "), Becomes, Value($"{step.BackupDir}/<time>/")],
        StepAction.GenerateKey => [Words($"{step.Key} (in memory until installed)")],
        StepAction.Issue => step.Issue switch
        {
            null => [],
            { SelfSigned: true } => [Words("self-signed CA certificate")],
            var issue => [Words("certificate signed by "), Value(issue.Issuer)],
        },
        StepAction.Install => [.. Values(step.Paths, " + "), .. ModeAndOwner(step),
            .. step.Source is { } source && source != step.Address ? [Words(" from "), Value(source)] : Array.Empty<Fragment>()],
        StepAction.WriteBundle => [Value(step.Paths[0]), .. ModeAndOwner(step), .. BundleHolds(step)],
        StepAction.WriteCrl => [Value(step.Paths[0]), .. ModeAndOwner(step), .. CrlHolds(step), .. Revoking(step)],
        StepAction.WriteLedger => [Value(step.Paths[0]), .. ModeAndOwner(step), .. Retiring(step)],
        StepAction.SetMode => [Value(step.Paths[0]), Becomes, Words(FileModes.Format(step.Mode!.Value))],
        StepAction.SetOwner => [Value(step.Paths[0]), Becomes, Value(step.Owner ?? "")],
        StepAction.EditSettings => [Value(step.Paths[0])],
        StepAction.Restart or StepAction.TestConfig => [Words("run: "), Value(step.Command ?? "")],
        StepAction.Reload => step.Command is { } command ? [Words("run: "), Value(command)] : [Value(ServerReload.OverDatabase)],
        StepAction.Restore => [Value(step.Paths[0]), ComesFrom, Value(step.Source ?? ""), .. ModeAndOwner(step)],
        StepAction.RequestSignature => [.. Values(step.Paths, " + "), Words(": pending key, and the request for the CA")],
        StepAction.InstallSigned => [.. Values(step.Paths, " + "), .. ModeAndOwner(step), Words(" from "), Value(step.Source ?? "")],
        StepAction.Remove => [.. Values(step.Paths, ", "), Words(" (a backup copy was taken)")],
        StepAction.MoveState => [Value(step.Source ?? ""), Becomes, Value(step.Paths[0]), .. ModeAndOwner(step, ", then removed from data_dir")],
        StepAction.DisableJob => [Words("UPDATE pem.job SET jobenabled = false WHERE jobname = "), Quoted(step.Source ?? "")],
        StepAction.EnableJob => [Words("UPDATE pem.job SET jobenabled = true WHERE jobname = "), Quoted(step.Source ?? "")],
        StepAction.RemovePending => [.. Values(step.Source is { } request ? [.. step.Paths, request] : step.Paths, ", "), Words(" (never used, no backup)")],
        StepAction.RemoveLeftover => [Value(step.Paths[0]), Words(" (left by an interrupted write, no backup)")],
        _ => Values(step.Paths, ", "),
    };

    /// <summary>
    /// What root.crt (or a web chain file) will hold. During a CA rotation <see cref="PlanStep.Bundle"/> lists the old CAs by
    /// fingerprint and the new one by a marker ("ca", or "trusted" for ca.certificate); a web chain lists its certificates
    /// by fingerprint alone.
    /// </summary>
    private static IEnumerable<Fragment> BundleHolds(PlanStep step)
    {
        if (Rotation(step) is { } old)
            return [Words($" = {Old(old)} + the new CA"), .. FromTrusted(step)];
        if (step.Bundle is { Count: > 1 } chain)
            return [Words($" = {chain.Count} certificates from "), Value(step.Source ?? "")];
        return step.Source == Addresses.Ca ? [Words(" = the CA certificate")] : [Words(" = "), Value(step.Source ?? "")];
    }

    /// <summary>What root.crl will hold: a CRL from every CA root.crt trusts, in the same order.</summary>
    private static IEnumerable<Fragment> CrlHolds(PlanStep step)
    {
        if (Rotation(step) is { } old)
            return [Words($" = {(old == 1 ? "the old CA's CRL" : $"{old} old CAs' CRLs")} + the new CA's CRL"), .. FromTrusted(step)];
        return step.Source == Addresses.Ca ? [Words(" signed by the CA")] : [Words(" = "), Value(step.Source ?? "")];
    }

    /// <summary>How many old CAs a rotation's bundle keeps beside the new one, or null when the step is no rotation's.</summary>
    private static int? Rotation(PlanStep step) =>
        step.Bundle is { Count: > 1 } bundle && bundle.Count(IsNewCa) == 1 ? bundle.Count - 1 : null;

    private static bool IsNewCa(string entry) => entry is Addresses.Ca or TrustedCaPlanner.TrustedBundleEntry;

    private static string Old(int count) => count == 1 ? "the old CA" : $"{count} old CAs";

    /// <summary>A trusted CA's certificate and CRL come from files beside the inventory: name them as the plan does outside a rotation.</summary>
    private static IEnumerable<Fragment> FromTrusted(PlanStep step) =>
        step.Bundle!.Contains(TrustedCaPlanner.TrustedBundleEntry) && step.Source is { } source ? [Words(" from "), Value(source)] : [];

    private static IEnumerable<Fragment> Revoking(PlanStep step) =>
        step.Revoke?.Where(r => r.Revoke).SelectMany(r => r.Serials).ToList() is { Count: > 0 } serials
            ? [Words($", revoking serial{(serials.Count == 1 ? "" : "s")} {string.Join(", ", serials)}")]
            : [];

    private static IEnumerable<Fragment> Retiring(PlanStep step) =>
        step.Revoke is { Count: > 0 } leaving
            ? [Words($", retiring agent{(leaving.Count == 1 ? "" : "s")} {string.Join(", ", leaving.Select(r => r.Agent.ToString(CultureInfo.InvariantCulture)))}")]
            : [];

    /// <summary>" (0600, owner enterprisedb)", or " (mode kept)" when the step keeps the file's mode.</summary>
    private static Fragment[] ModeAndOwner(PlanStep step, string then = "")
    {
        var mode = Words(" (" + (step.Mode is { } m ? FileModes.Format(m) : "mode kept"));
        return step.Owner is { } owner ? [mode, Words(", owner "), Value(owner), Words(then + ")")] : [mode, Words(then + ")")];
    }

    private static IReadOnlyList<Fragment> Values(IEnumerable<string> values, string separator)
    {
        var fragments = new List<Fragment>();
        foreach (var value in values)
        {
            if (fragments.Count > 0) fragments.Add(Words(separator));
            fragments.Add(Value(value));
        }
        return fragments;
    }

    private static IReadOnlyList<Fragment> Setting(SettingChange s) =>
    [
        Value(s.Name), Words(": "), s.Before is null ? Words("(not set)") : Quoted(s.Before), Becomes,
        s.CommentOut ? Words("(commented out)") : Quoted(s.After),
    ];

    private static IReadOnlyList<Fragment> Summary(CertificateSummary s) =>
    [
        Value(s.Subject), Words(", issuer "), Value(s.Issuer),
        Words($", serial {s.Serial}, not after {s.NotAfter.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}, {s.Key}, sha256 {s.Sha256}"),
    ];

    private static IReadOnlyList<Fragment> Issued(IssueRequest issue) =>
    [
        Value(issue.Subject), Words(", issuer "), issue.SelfSigned ? Words("itself") : Value(issue.Issuer),
        Words($", valid {(int)issue.Validity.TotalDays} days"),
        Words(issue.Usage switch { null => ", CA:TRUE", LeafUsage.Server => ", serverAuth", LeafUsage.Client => ", clientAuth", _ => ", serverAuth, clientAuth" }),
        .. issue.SubjectAltNames.Count > 0 ? [Words(", names "), .. Values(issue.SubjectAltNames, ", ")] : Array.Empty<Fragment>(),
    ];
}
