using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Execution;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 19: web.chain_file has one rule whichever CA issues the web certificate (WebReconciler): kept while it holds
/// exactly what the issuer wants there, else backed up and written, for the same kind of reason. The issuer only says what
/// that is: PEM's own CA certificate, or the trusted CA's intermediates.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebChainTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(1);
    private const string ChainFile = "  chain_file: web/resources/chain.crt\n";

    public static TheoryData<string> Faults() => ["missing", "another certificate"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_chain_file_off_what_the_issuer_wants_is_backed_up_and_written_again_under_either_CA(string fault)
    {
        // Given a web lab with an Apache chain file converged on PEM's own CA, and another converged on a trusted CA
        using var selfSigned = WebPlannerTests.WebLab(extra: ChainFile);
        await selfSigned.ApplyAsync(Now);
        using var trusted = await ExternalCa.ConvergeAsync(WebPlannerTests.WebLab(extra: ChainFile), Now);

        foreach (var (lab, want) in new[]
        {
            (selfSigned, $"exactly the CA certificate {Subject(Path.Combine(selfSigned.DataDir, "ca_certificate.crt"))}"),
            (trusted, "the trusted CA's chain: /C=IN/O=Example Corp/CN=Example Issuing CA 1"),
        })
        {
            // When the chain file is lost, or holds other certificates (server.crt's)
            var chain = Path.Combine(lab.Root, "web", "resources", "chain.crt");
            var wanted = File.ReadAllText(chain);
            if (fault == "missing") File.Delete(chain);
            else File.Copy(Path.Combine(lab.DataDir, "server.crt"), chain, overwrite: true);
            var plan = await lab.PlanAsync(Now);

            // Then the chain file alone is backed up (when there is one) and written, for a reason that says what it holds and what is wanted
            var steps = plan.Steps.Where(s => s.Address == Addresses.WebCertificate).ToList();
            Assert.Equal(fault == "missing" ? [StepAction.WriteBundle] : [StepAction.Backup, StepAction.WriteBundle], steps.Select(s => s.Action));
            Assert.Equal(chain, steps[^1].Paths[0]);
            Assert.Equal(fault == "missing" ? "chain.crt is missing" : $"chain.crt holds {Subjects(Path.Combine(lab.DataDir, "server.crt"))}, want {want}", steps[^1].Reason);

            // and the apply writes what was there before, then plans nothing more
            await lab.ApplyAsync(Now);
            Assert.Equal(wanted, File.ReadAllText(chain));
            Assert.Empty((await lab.PlanAsync(Now)).Steps);
        }
    }

    private static string Subject(string certificate) =>
        DistinguishedNames.Format(PemCodec.DecodeCertificates(File.ReadAllBytes(certificate))[0].SubjectDN);

    /// <summary>Every certificate in the file (the trusted CA's server.crt sends its intermediates after the leaf).</summary>
    private static string Subjects(string file) =>
        string.Join(", ", PemCodec.DecodeCertificates(File.ReadAllBytes(file)).Select(c => DistinguishedNames.Format(c.SubjectDN)));
}
