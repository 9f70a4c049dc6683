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

    /// <summary>The certificate a step replaces, when it replaces one.</summary>
    private static CertificateSummary? BeforeOf(PlanStep step) => step switch
    {
        IssueStep s => s.Before,
        RequestSignatureStep s => s.Before,
        InstallSignedStep s => s.Before,
        InstallStep s => s.Before,
        _ => null,
    };

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
            Address = step.Address.ToString(),
            Host = step.Host,
            Action = step.Action.WireName(),
            Verb = VerbOf(step.Action),
            Symbol = SymbolOf(step.Action),
            Kind = KindOf(step),
            Target = TargetOf(step),
            Before = BeforeOf(step) is { } before ? Summary(before) : null,
            After = step switch { IssueStep s => Issued(s.Request), RequestSignatureStep s => Issued(s.Request), _ => null },
            Settings = step is EditSettingsStep edit ? [.. edit.Settings.Select(Setting)] : [],
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
        StepAction.Issue or StepAction.InstallSigned when BeforeOf(step) is not null => ChangeKind.Replace,
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

    private static IReadOnlyList<Fragment> TargetOf(PlanStep step) => step switch
    {
        BackupStep s => [.. Values(s.Files, ", "), Becomes, Value($"{s.BackupDir}/<time>/")],
        GenerateKeyStep s => [Words($"{s.Key} (in memory until installed)")],
        IssueStep { Request.SelfSigned: true } => [Words("self-signed CA certificate")],
        IssueStep s => [Words("certificate signed by "), Value(s.Request.Issuer)],
        InstallStep s => [Value(s.KeyPath), Words(" + "), Value(s.CertificatePath), .. ModeAndOwner(FileModes.Private, s.Owner),
            .. s.Source != s.Address ? [Words(" from "), Value(s.Source.ToString())] : Array.Empty<Fragment>()],
        WriteBundleStep s => [Value(s.Path), .. ModeAndOwner(FileModes.Private, s.Owner), .. BundleHolds(s.Bundle, s.Source)],
        WriteCrlStep s => [Value(s.Path), .. ModeAndOwner(FileModes.Private, s.Owner), .. CrlHolds(s.Bundle, s.Source), .. Revoking(s.Revoke)],
        WriteLedgerStep s => [Value(s.Path), .. ModeAndOwner(FileModes.Private, null), .. Retiring(s.Retire)],
        SetModeStep s => [Value(s.Path), Becomes, Words(FileModes.Format(s.Mode))],
        SetOwnerStep s => [Value(s.Path), Becomes, Value(s.Owner)],
        EditSettingsStep s => [Value(s.Path)],
        RestartStep s => [Words("run: "), Value(s.Command)],
        TestConfigStep s => [Words("run: "), Value(s.Command)],
        ReloadStep s => s.Command is { } command ? [Words("run: "), Value(command)] : [Value(ServerReload.OverDatabase)],
        RestoreStep s => [Value(s.Path), ComesFrom, Value(s.Copy), .. ModeAndOwner(s.Mode, s.Owner)],
        RequestSignatureStep s => [Value(s.PendingKey), Words(" + "), Value(s.RequestFile), Words(": pending key, and the request for the CA")],
        InstallSignedStep s => [Value(s.KeyPath), Words(" + "), Value(s.CertificatePath), .. ModeAndOwner(FileModes.Private, s.Owner), Words(" from "), Value(s.Signed)],
        RemoveStep s => [.. Values(s.Files, ", "), Words(" (a backup copy was taken)")],
        MoveStateStep s => [Value(s.From), Becomes, Value(s.To), .. ModeAndOwner(FileModes.Private, null, ", then removed from data_dir")],
        DisableJobStep s => [Words("UPDATE pem.job SET jobenabled = false WHERE jobname = "), Quoted(s.Job)],
        EnableJobStep s => [Words("UPDATE pem.job SET jobenabled = true WHERE jobname = "), Quoted(s.Job)],
        RemovePendingStep s => [.. Values(new[] { s.PendingKey, s.RequestFile }.OfType<string>(), ", "), Words(" (never used, no backup)")],
        RemoveLeftoverStep s => [Value(s.Path), Words(" (left by an interrupted write, no backup)")],
        _ => Values(step.Paths, ", "),
    };

    /// <summary>
    /// What root.crt (or a web chain file) will hold. During a CA rotation <see cref="WriteBundleStep.Bundle"/> lists the old CAs by
    /// fingerprint and the new one by a marker ("ca", or "trusted" for ca.certificate); a web chain lists its certificates
    /// by fingerprint alone.
    /// </summary>
    private static IEnumerable<Fragment> BundleHolds(IReadOnlyList<string>? bundle, string source)
    {
        if (Rotation(bundle) is { } old)
            return [Words($" = {Old(old)} + the new CA"), .. FromTrusted(bundle!, source)];
        if (bundle is { Count: > 1 } chain)
            return [Words($" = {chain.Count} certificates from "), Value(source)];
        return source == RootTrust.ManagedCa ? [Words(" = the CA certificate")] : [Words(" = "), Value(source)];
    }

    /// <summary>What root.crl will hold: a CRL from every CA root.crt trusts, in the same order.</summary>
    private static IEnumerable<Fragment> CrlHolds(IReadOnlyList<string>? bundle, string? source)
    {
        if (Rotation(bundle) is { } old)
            return [Words($" = {(old == 1 ? "the old CA's CRL" : $"{old} old CAs' CRLs")} + the new CA's CRL"), .. FromTrusted(bundle!, source)];
        return source == RootTrust.ManagedCa ? [Words(" signed by the CA")] : [Words(" = "), Value(source ?? "")];
    }

    /// <summary>How many old CAs a rotation's bundle keeps beside the new one, or null when the step is no rotation's.</summary>
    private static int? Rotation(IReadOnlyList<string>? bundle) =>
        bundle is { Count: > 1 } && bundle.Count(IsNewCa) == 1 ? bundle.Count - 1 : null;

    private static bool IsNewCa(string entry) => entry is RootTrust.ManagedCa or TrustedCaPlanner.TrustedBundleEntry;

    private static string Old(int count) => count == 1 ? "the old CA" : $"{count} old CAs";

    /// <summary>A trusted CA's certificate and CRL come from files beside the inventory: name them as the plan does outside a rotation.</summary>
    private static IEnumerable<Fragment> FromTrusted(IReadOnlyList<string> bundle, string? source) =>
        bundle.Contains(TrustedCaPlanner.TrustedBundleEntry) && source is not null ? [Words(" from "), Value(source)] : [];

    private static IEnumerable<Fragment> Revoking(IReadOnlyList<Retirement>? revoke) =>
        revoke?.Where(r => r.Revoke).SelectMany(r => r.Serials).ToList() is { Count: > 0 } serials
            ? [Words($", revoking serial{(serials.Count == 1 ? "" : "s")} {string.Join(", ", serials)}")]
            : [];

    private static IEnumerable<Fragment> Retiring(IReadOnlyList<Retirement> retire) =>
        retire is { Count: > 0 } leaving
            ? [Words($", retiring agent{(leaving.Count == 1 ? "" : "s")} {string.Join(", ", leaving.Select(r => r.Agent.ToString(CultureInfo.InvariantCulture)))}")]
            : [];

    /// <summary>" (0600, owner enterprisedb)": the mode and owner the step leaves on the file.</summary>
    private static Fragment[] ModeAndOwner(UnixFileMode mode, string? owner, string then = "")
    {
        var written = Words(" (" + FileModes.Format(mode));
        return owner is not null ? [written, Words(", owner "), Value(owner), Words(then + ")")] : [written, Words(then + ")")];
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
