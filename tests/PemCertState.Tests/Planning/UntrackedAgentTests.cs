using System.Text;
using System.Text.Json;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Tests.Support;
using PemCertState.State;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 7: turning agents.revoke_removed on after an agent already left revokes nothing for it. The plan says
/// that such agents cannot be tracked, and lists the certificates still valid that no inventory agent holds, from
/// issued.jsonl (every certificate the CA signs, kept from now on) and from the backups.
/// </summary>
public sealed class UntrackedAgentTests
{
    [Fact]
    public async Task Turning_revoke_removed_on_after_an_agent_left_warns_and_lists_its_certificate_from_the_issuance_record()
    {
        // Given three agents converged without revoke_removed: the CA's issuance record holds every certificate it signed
        using var lab = Lab.Create(agents: 3);
        await lab.ApplyAsync();
        var record = Path.Combine(lab.StateDir, IssuanceRecordFormat.FileName);
        var lines = File.ReadAllLines(record);
        Assert.Equal(new[] { "agent[1].certificate", "agent[2].certificate", "agent[3].certificate", "ca", "server.certificate" },
            lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(record), StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(record));
        var serial3 = Serial(Path.Combine(lab.CertDir(3), "agent3.crt"));
        // and agent 3 left while revoke_removed was off
        lab.RemoveAgent(3);
        await lab.ApplyAsync();
        // and lines nobody should believe: a torn line, and an agent certificate from another CA of the same name
        var impostor = CertificateAuthority.CreateSelfSigned("/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", KeyGenerator.Generate(PemCertState.Inventory.KeySpec.Rsa(2048)), Lab.Today, TimeSpan.FromDays(30));
        var forged = impostor.Issue("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent9", KeyGenerator.Generate(PemCertState.Inventory.KeySpec.EcdsaP256).Public, LeafUsage.Client, Lab.Today, TimeSpan.FromDays(30));
        File.AppendAllText(record, "{\"time\":\"2026-11-27T12:00:00+00:00\",\"addr\n" + Line("agent[9].certificate", forged));

        // When revoke_removed is turned on
        lab.SetRevokeRemoved(true);
        var plan = await lab.PlanAsync();

        // Then nothing is revoked (the ledger does not know agent 3), and the plan says why and lists agent 3's certificate
        Assert.DoesNotContain(plan.Steps, s => s.Action == PemCertState.Inventory.StepAction.WriteCrl);
        Assert.Contains(plan.Warnings, w => w.Contains("an agent that left the inventory before the ledger existed cannot be tracked", StringComparison.Ordinal));
        var listing = Assert.Single(plan.Warnings, w => w.Contains("no inventory agent holds", StringComparison.Ordinal));
        Assert.Contains($"/C=IN/ST=MH/L=Pune/O=PEM/CN=agent3 (serial {serial3}, valid until 2027-11-27; found in issued.jsonl (agent[3].certificate, issued 2026-11-27))", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("agent9", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("CN=agent1", listing, StringComparison.Ordinal);

        // and once the ledger exists, the "cannot be tracked" warning is gone, the listing stays while the certificate is valid
        await lab.ApplyAsync();
        var next = await lab.PlanAsync();
        Assert.Empty(next.Steps);
        Assert.DoesNotContain(next.Warnings, w => w.Contains("cannot be tracked", StringComparison.Ordinal));
        Assert.Contains(next.Warnings, w => w.Contains($"CN=agent3 (serial {serial3}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_agent_issued_before_the_issuance_record_is_found_in_the_backups_of_a_folder_it_shared()
    {
        // Given agent 3 keeping its files in agent 2's cert_dir, every certificate renewed once (so backups hold the first ones),
        // and no issuance record (a pemstate from before it)
        using var lab = Lab.Create(agents: 3);
        var text = File.ReadAllText(lab.InventoryPath);
        File.WriteAllText(lab.InventoryPath, text.Replace("- { id: 3, host: pem }", "- { id: 3, host: pem, cert_dir: agents/2/.pem }", StringComparison.Ordinal));
        await lab.ApplyAsync();
        var first3 = Serial(Path.Combine(lab.CertDir(2), "agent3.crt"));
        var later = Lab.Today.AddDays(340);
        await lab.ApplyAsync(later);
        File.Delete(Path.Combine(lab.StateDir, IssuanceRecordFormat.FileName));
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("    - { id: 3, host: pem, cert_dir: agents/2/.pem }\n", "", StringComparison.Ordinal));

        // When revoke_removed is turned on
        lab.SetRevokeRemoved(true);
        var plan = await lab.PlanAsync(later);

        // Then the first certificate of agent 3, still valid, is listed from the backup set that holds it
        var listing = Assert.Single(plan.Warnings, w => w.Contains("no inventory agent holds", StringComparison.Ordinal));
        Assert.Contains($"CN=agent3 (serial {first3}, valid until 2027-11-27; found in pem:{Path.Combine(lab.CertDir(2), "certs")}/", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("CN=agent2", listing, StringComparison.Ordinal);
    }

    private static string Serial(string path) => CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(path))[0]).Serial;

    private static string Line(string address, Org.BouncyCastle.X509.X509Certificate certificate)
    {
        var summary = CertificateSummary.From(certificate);
        return Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new IssuanceRecordFormat.Issued(Lab.Today, address, summary.Subject, summary.Serial, summary.Issuer, summary.NotAfter,
            PemCodec.EncodeCertificate(certificate)), IssuedJson.Default.Issued)) + "\n";
    }
}
