namespace PemCertState.Tests.Support;

/// <summary>
/// A lab that shows every state a report must tell apart, on <see cref="Lab.Today"/>: agent 1 expired (issued for 20
/// days, 25 days ago), agent 2 inside its renewal window (40 days, 15 left, renew_before 30 days), the CA and the
/// server ok. Made by the real pipeline: an apply 25 days before today.
/// </summary>
internal static class ReportLab
{
    public static readonly DateTimeOffset IssuedOn = Lab.Today.AddDays(-25);

    public static async Task<Lab> ExpiredAndRenewSoonAsync()
    {
        var lab = Lab.Create(agents: 3);
        var text = File.ReadAllText(lab.InventoryPath);
        text = text.Replace("    - { id: 1, host: pem }", "    - { id: 1, host: pem, validity: 20d, renew_before: 10d }", StringComparison.Ordinal)
            .Replace("    - { id: 2, host: pem }", "    - { id: 2, host: pem, validity: 40d, renew_before: 30d }", StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text);
        await lab.ApplyAsync(IssuedOn);
        return lab;
    }

    /// <summary>Certificates the lab holds: the CA, the server's and one per agent (the CRL is not one).</summary>
    public const int Certificates = 5;
}
