namespace PemCertState.Inventory;

/// <summary>The PEM jobs (rows of pem.job) pemstate turns off and on, by the name PEM gives them.</summary>
internal static class PemJobs
{
    /// <summary>PEM's own CA renewal job; with a trusted CA, or a common agent certificate, it would overwrite what pemstate installs.</summary>
    public const string Renewal = "Check CA certificate expiry";
}
