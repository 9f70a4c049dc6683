using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>
/// A step's members under the names the JSON plan (schemas/plan.schema.json) has always given them: one flat object with
/// optional members, whichever step type it comes from. Only the JSON renderer reads this; everything else matches on the
/// step's type. Each step type fills it in once, so a new member on the wire is a change to that type alone.
/// </summary>
internal sealed record StepMembers
{
    public static readonly StepMembers None = new();

    public CertificateSummary? Before { get; init; }

    public KeySpec? Key { get; init; }

    public IssueRequest? Issue { get; init; }

    public string? Source { get; init; }

    public string? Owner { get; init; }

    public UnixFileMode? Mode { get; init; }

    public IReadOnlyList<SettingChange>? Settings { get; init; }

    public ConfigFormat? Format { get; init; }

    public string? Command { get; init; }

    public string? BackupDir { get; init; }

    public string? Sha256 { get; init; }

    public IReadOnlyList<string>? Bundle { get; init; }

    public IReadOnlyList<Retirement>? Revoke { get; init; }
}
