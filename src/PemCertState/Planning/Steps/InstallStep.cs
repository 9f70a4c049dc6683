using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>Write a key and its certificate together, atomically each, key first (0600).</summary>
/// <param name="KeyPath">The key file.</param>
/// <param name="CertificatePath">The certificate file.</param>
/// <param name="Source">The resource whose key and certificate are installed: the pair issued in this apply, or an agent's valid common pair.</param>
/// <param name="Owner">Owner of both files.</param>
/// <param name="Before">The certificate it replaces, when one is shown.</param>
internal sealed record InstallStep(ResourceAddress Address, string Host, string Reason, string KeyPath, string CertificatePath, ResourceAddress Source, string? Owner, CertificateSummary? Before = null)
    : PlanStep(Address, Host, Reason)
{
    public override StepAction Action => StepAction.Install;

    public override IReadOnlyList<string> Paths => [KeyPath, CertificatePath];

    internal override StepMembers Members => new() { Before = Before, Source = Source.ToString(), Owner = Owner, Mode = FileModes.Private };
}
