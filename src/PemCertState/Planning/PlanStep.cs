using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>
/// One action on one resource. Which optional members are set depends on <see cref="Action"/>;
/// none of them ever holds key material (summaries and fingerprints only).
/// </summary>
/// <param name="Address">Stable resource address: "ca", "server.certificate", "agent[7].settings", "restart[server]".</param>
/// <param name="Reason">Why the step exists, for people only. The executor never reads it.</param>
/// <param name="Paths">The files the step writes (for Backup: the files it copies).</param>
/// <param name="Before">The certificate in place now, when there is one.</param>
/// <param name="Source">Install: the resource whose key and certificate are installed (the pair issued in this apply, or an agent's valid common pair).</param>
/// <param name="BackupDir">Backup: the folder that receives the set; the executor adds a time stamp below it.</param>
/// <param name="Bundle">WriteBundle / WriteCrl during a CA rotation: what the file holds, in order: "ca" for the CA in
/// ca_certificate.crt (and a CRL it signs), or the SHA-256 (colon hex) of another CA certificate from root.crt to keep
/// trusting (and its CRL). Null: the CA alone.</param>
/// <param name="Revoke">WriteCrl: serials to add to the CA's CRL (earlier revocations are kept). WriteLedger: the agents that
/// move from the ledger's managed agents to its retired ones.</param>
/// <param name="Sha256">Restore: the hash the backup copy must still have (from its manifest); Source is the copy's path.</param>
public sealed record PlanStep(
    string Address,
    string Host,
    StepAction Action,
    string Reason,
    IReadOnlyList<string> Paths,
    CertificateSummary? Before = null,
    KeySpec? Key = null,
    IssueRequest? Issue = null,
    string? Source = null,
    string? Owner = null,
    UnixFileMode? Mode = null,
    IReadOnlyList<SettingChange>? Settings = null,
    ConfigFormat? Format = null,
    string? Command = null,
    string? BackupDir = null,
    string? Sha256 = null,
    IReadOnlyList<string>? Bundle = null,
    IReadOnlyList<Retirement>? Revoke = null);
