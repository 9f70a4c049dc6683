using PemCertState.Inventory;
using static PemCertState.Planning.Planner;

namespace PemCertState.Planning;

/// <summary>
/// A leaf never outlives the CA that signs it: past the CA's notAfter no client can verify it, whatever its own dates
/// say. Its validity is cut to end with the CA, and the plan says so in the issue step's reason.
/// </summary>
internal sealed partial class SelfSignedIssuer
{
    /// <summary>The request, its validity cut to end when the CA does, and the words the issue step's reason adds (null: not cut).</summary>
    internal static (IssueRequest Request, string? Note) ClampToCa(IssueRequest request, CaView ca, DateTimeOffset now)
    {
        if (ca.NotAfter is not { } end || now + request.Validity <= end) return (request, null);
        var left = end - now;
        return (request with { Validity = left },
            $"valid {(int)Math.Floor(left.TotalDays)} days instead of {(int)request.Validity.TotalDays}: cut to end with the CA on {Day(end)}, since a certificate never outlives its issuer");
    }

    /// <summary>
    /// Once, for every leaf that ends with the CA and sits inside its renew_before window: a new certificate from that CA could
    /// not last longer, so none is issued (run after run); the CA's own renewal, or a rotation now, issues them all again.
    /// </summary>
    internal static void WarnAboutLeavesEndingWithCa(CaSpec want, CaView ca, List<string> warnings)
    {
        if (ca.EndsWithCa.Count == 0 || ca.NotAfter is not { } end) return;
        var many = ca.EndsWithCa.Count > 1;
        warnings.Add($"{string.Join(", ", ca.EndsWithCa)} {(many ? "end" : "ends")} on {Day(end)} with the CA that signed {(many ? "them" : "it")} and {(many ? "are" : "is")} inside "
            + $"{(many ? "their" : "its")} renew_before window; a new certificate from this CA cannot last longer, so {(many ? "they are" : "it is")} not issued again. "
            + $"Renewing the CA is the fix: it begins {(int)want.Policy.RenewBefore.TotalDays} days before {Day(end)} (ca.renew_before) and issues every certificate again, "
            + "or now with `pemstate apply --rotate-ca`");
    }
}
