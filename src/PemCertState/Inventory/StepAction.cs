namespace PemCertState.Inventory;

/// <summary>
/// What a step does: one member per step type (Planning.PlanStep's sealed records, which each return theirs), for the
/// wire and for counting. Each member's name on the wire (JSON plan, saved plan, journal, logs) is in
/// <see cref="StepActionNames"/>: a new member needs its step type, its name there and in schemas/plan.schema.json.
/// </summary>
public enum StepAction
{
    /// <summary>Copy the files a later step replaces into the backup set, with a manifest.</summary>
    Backup,
    /// <summary>Generate a private key in memory. Nothing reaches a disk until <see cref="Install"/>.</summary>
    GenerateKey,
    /// <summary>Sign a certificate for a generated key (the CA signs itself). In memory.</summary>
    Issue,
    /// <summary>Trusted CA: store the generated key as a pending key on its host (0600, beside the live key) and write its CSR.</summary>
    RequestSignature,
    /// <summary>Trusted CA: install a pending key with the certificate the CA signed for it, atomically each, key first.</summary>
    InstallSigned,
    /// <summary>Write a key and its certificate together, atomically each, key first.</summary>
    Install,
    /// <summary>Write root.crt: the CA certificate(s) the server trusts.</summary>
    WriteBundle,
    /// <summary>Sign and write root.crl.</summary>
    WriteCrl,
    SetMode,
    SetOwner,
    /// <summary>Change settings in a config file in place, keeping every other line byte for byte.</summary>
    EditSettings,
    CreateRole,
    DisableJob,
    /// <summary>Run the inventory's restart command.</summary>
    Restart,
    /// <summary>Rollback: write a file back from a backup set, with its recorded mode and owner.</summary>
    Restore,
    /// <summary>Delete a file a backup step has already copied (EDB moves server.*, root.*, ca_* into certs/).</summary>
    Remove,
    /// <summary>Run a config test (apachectl -t, nginx -t) before a reload; a failure stops the apply before the reload.</summary>
    TestConfig,
    /// <summary>Write the agent ledger (state_dir/agents.json): which agent holds which certificate, and who was retired. Last in a plan.</summary>
    WriteLedger,
    /// <summary>Trusted CA leftovers: delete a pending key on its host (Paths) and its request beside the inventory (Source),
    /// once the pair is installed or no longer wanted. No backup: the key was never used.</summary>
    RemovePending,
    /// <summary>Turn PEM's own CA renewal job back on (back from a trusted CA to PEM's own CA).</summary>
    EnableJob,
    /// <summary>Move what an older pemstate kept in data_dir (Source: its journal, ledger, lock or a backup set's folder) into
    /// the state folder, then delete it from data_dir. First in a plan, before any backup. See Planning.MoveStateStep.</summary>
    MoveState,
    /// <summary>Remove what an interrupted write left in a managed folder: pemstate's private folder, or an older pemstate's
    /// temp file. Only while it still is what proves it pemstate's (Planning.LeftoverCleanup); no backup: nothing reads it.</summary>
    RemoveLeftover,
    /// <summary>Make the server load its SSL files and settings without a restart: the inventory's reload command, or
    /// <c>SELECT pg_reload_conf()</c> over server.database when Planning.ReloadStep.Command is null.</summary>
    Reload,
}
