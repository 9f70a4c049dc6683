using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Tests.Support;

/// <summary>One step of each action with every member it has set: for tests about every action (renderers, filters, the schema).</summary>
public static class SampleSteps
{
    private static readonly IssueRequest Request = new("/CN=server", "/CN=pem-ca", LeafUsage.Server, TimeSpan.FromDays(365));

    public static PlanStep Of(StepAction action, string address = "server.certificate", string host = "pem", CertificateSummary? before = null) =>
        Of(action, ResourceAddress.Parse(address), host, before);

    public static PlanStep Of(StepAction action, ResourceAddress address, string host = "pem", CertificateSummary? before = null) => action switch
    {
        StepAction.Backup => new BackupStep(address, host, "why", ["/data/server.key", "/data/server.crt"], "/data/certs"),
        StepAction.GenerateKey => new GenerateKeyStep(address, host, "why", new KeySpec(KeyAlgorithm.Ecdsa, 256)),
        StepAction.Issue => new IssueStep(address, host, "why", Request, before),
        StepAction.RequestSignature => new RequestSignatureStep(address, host, "why", "/data/server.key.pending", "/inventory/requests/server.csr", Request, "postgres", before),
        StepAction.InstallSigned => new InstallSignedStep(address, host, "why", "/data/server.key", "/data/server.crt", "/signed/server.crt", new string('a', 64), "postgres", before),
        StepAction.Install => new InstallStep(address, host, "why", "/data/server.key", "/data/server.crt", address, "postgres", before),
        StepAction.WriteBundle => new WriteBundleStep(address, host, "why", "/data/root.crt", RootTrust.ManagedCa, "postgres"),
        StepAction.WriteCrl => new WriteCrlStep(address, host, "why", "/data/root.crl", RootTrust.ManagedCa, "postgres"),
        StepAction.SetMode => new SetModeStep(address, host, "why", "/data/server.key", FileModes.Private),
        StepAction.SetOwner => new SetOwnerStep(address, host, "why", "/data/server.key", "postgres"),
        StepAction.EditSettings => new EditSettingsStep(address, host, "why", "/data/postgresql.conf", [new SettingChange("ssl", null, "on")], ConfigFormat.PostgresqlConf),
        StepAction.CreateRole => new CreateRoleStep(address, host, "why"),
        StepAction.DisableJob => new DisableJobStep(address, host, "why", "Check SSL certificates"),
        StepAction.Restart => new RestartStep(address, host, "why", "systemctl restart edb-as-15"),
        StepAction.Restore => new RestoreStep(address, host, "why", "/data/server.key", "/data/certs/20261101T000000Z/server.key", new string('a', 64), "postgres", FileModes.Private),
        StepAction.Remove => new RemoveStep(address, host, "why", ["/data/server.key", "/data/server.crt"]),
        StepAction.TestConfig => new TestConfigStep(address, host, "why", "apachectl -t"),
        StepAction.WriteLedger => new WriteLedgerStep(address, host, "why", "/var/lib/pemstate/agents.json", null, []),
        StepAction.RemovePending => new RemovePendingStep(address, host, "why", "/data/server.key.pending", "/inventory/requests/server.csr"),
        StepAction.EnableJob => new EnableJobStep(address, host, "why", "Check SSL certificates"),
        StepAction.MoveState => new MoveStateStep(address, host, "why", "/var/lib/pemstate/journal.json", "/data/.pemstate-journal.json"),
        StepAction.RemoveLeftover => new RemoveLeftoverStep(address, host, "why", "/data/.pemstate-tmp-1"),
        StepAction.Reload => new ReloadStep(address, host, "why", "systemctl reload edb-as-15"),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "no sample step for this action"),
    };
}
