using System.Diagnostics;
using PemCertState.Crypto;
using PemCertState.Tests.Inventory;

namespace PemCertState.Tests.Support;

/// <summary>
/// The trusted CA of examples/trusted-ca (a root and an intermediate made by openssl), run by its own script in a
/// lab folder: the tests exercise the example the README points users at.
/// </summary>
internal static class ExternalCa
{
    public static string Script => Path.Combine(InventoryText.RepositoryRoot(), "examples", "trusted-ca", "external-ca.sh");

    /// <param name="name">NAME for the script: another CA's subjects ("Other Root CA"), for a move between two trusted CAs.</param>
    /// <param name="extra">A further argument: the certificate file for revoke.</param>
    public static string Run(string folder, string command, string? name = null, string? extra = null)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (name is not null) start.Environment["NAME"] = name;
        foreach (var argument in new[] { Script, command, folder, extra }.OfType<string>()) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Xunit.Assert.True(process.ExitCode == 0, $"external-ca.sh {command} exited {process.ExitCode}: {output}{error.Result}");
        return output;
    }

    /// <summary>Makes the CA in the lab and points the lab's inventory at it (crl: the CA's CRLs, or none).</summary>
    public static void SwitchLab(Lab lab, bool crl = true)
    {
        Run(lab.Root, "init");
        var text = File.ReadAllText(lab.InventoryPath);
        var start = text.IndexOf("  source: self-signed\n", StringComparison.Ordinal);
        Xunit.Assert.True(start >= 0, "the lab is not on the self-signed CA");
        var subjectLine = text.IndexOf("  subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca\n", StringComparison.Ordinal);
        text = text.Remove(subjectLine, "  subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca\n".Length);
        text = text.Replace("  source: self-signed\n",
            $"  source: trusted\n  certificate: trusted/ca.crt\n  crl: {(crl ? "trusted/ca.crl" : "none")}\n", StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text);
    }

    /// <summary>
    /// A lab converged on the self-signed CA, moved onto the trusted CA the whole way: switched, applied (the requests),
    /// signed, and applied again; then nothing is left to plan.
    /// </summary>
    public static async Task<Lab> ConvergeAsync(Lab lab, DateTimeOffset now)
    {
        await lab.ApplyAsync(now);
        SwitchLab(lab);
        await lab.ApplyAsync(now);
        Run(lab.Root, "sign");
        await lab.ApplyAsync(now);
        var converged = await lab.PlanAsync(now);
        Xunit.Assert.True(converged.IsEmpty, PemCertState.Rendering.PlanTextRenderer.Render(converged));
        return lab;
    }

    /// <summary>Back to PEM's own CA, as the lab started.</summary>
    public static void SwitchBack(Lab lab)
    {
        var text = File.ReadAllText(lab.InventoryPath);
        var start = text.IndexOf("  source: trusted\n", StringComparison.Ordinal);
        var end = text.IndexOf("  key:", start, StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text[..start] + "  source: self-signed\n  subject: /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca\n" + text[end..]);
    }

    /// <summary>The intermediate (issuing) CA with its key, to sign something the script would not (a wrong subject).</summary>
    public static CertificateAuthority Issuing(string folder) => new(
        PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(folder, "ca", "intermediate.crt")))[0],
        PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(folder, "ca", "intermediate.key")))!.Private);
}
