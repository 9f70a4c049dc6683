using System.Text;
using PemCertState.Verification;

namespace PemCertState.Rendering;

public static class FindingsRenderer
{
    public static string Render(IReadOnlyList<Finding> findings)
    {
        if (findings.Count == 0) return "Verified: every certificate chains to root.crt, every key matches, the CRL is current, modes are 0600.\n";
        var text = new StringBuilder();
        foreach (var f in findings) text.Append(f.Address).Append(": ").Append(f.Host).Append(':').Append(f.Path).Append(": ").Append(f.Message).Append('\n');
        text.Append(findings.Count).Append(findings.Count == 1 ? " finding.\n" : " findings.\n");
        return text.ToString();
    }
}
