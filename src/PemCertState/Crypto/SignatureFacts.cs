using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Which CA certificate signed which certificate, as observation found it: every observed certificate against every
/// observed or trusted CA certificate of its issuer's name, checked on every core once, before planning. The planner,
/// verify and the executor read these facts; a pair observation did not check (a certificate issued during the apply) is
/// checked when asked, and the answer is not kept. Immutable, one per observation: no verdict outlives the run that
/// observed it, and nothing is shared between runs.
/// </summary>
public sealed class SignatureFacts
{
    /// <summary>No facts: every question is checked when asked (a state built by hand, a file read alone).</summary>
    public static readonly SignatureFacts None = new(FrozenDictionary<(X509Certificate, X509Certificate), bool>.Empty, FrozenDictionary<X509Certificate, X509Certificate>.Empty);

    /// <summary>Below this many pairs the checks run one after another: not worth the threads.</summary>
    internal const int ParallelThreshold = 64;

    private readonly FrozenDictionary<(X509Certificate Issuer, X509Certificate Subject), bool> _verdicts;

    /// <summary>
    /// Each issuer checked, by value, to the one object its verdicts are kept under: the CA is in ca_certificate.crt and
    /// again in root.crt (two objects, one certificate), and is checked once.
    /// </summary>
    private readonly FrozenDictionary<X509Certificate, X509Certificate> _issuers;

    private SignatureFacts(FrozenDictionary<(X509Certificate, X509Certificate), bool> verdicts, FrozenDictionary<X509Certificate, X509Certificate> issuers) =>
        (_verdicts, _issuers) = (verdicts, issuers);

    /// <summary>How many pairs were checked.</summary>
    public int Count => _verdicts.Count;

    /// <summary>
    /// Checks each of <paramref name="certificates"/> against each of <paramref name="issuers"/> whose subject is the
    /// certificate's issuer name (a self-signed certificate against itself too), on every core when there are many.
    /// </summary>
    public static SignatureFacts Check(IEnumerable<X509Certificate> certificates, IEnumerable<X509Certificate> issuers)
    {
        var subjects = certificates.Distinct(ReferenceEqualityComparer.Instance).Cast<X509Certificate>().ToList();
        // By value: one CA in two files is checked once; a self-issued certificate may sign itself.
        var cas = issuers.Concat(subjects.Where(c => c.SubjectDN.Equivalent(c.IssuerDN))).Distinct().ToList();
        var pairs = subjects.SelectMany(c => cas.Where(ca => ca.SubjectDN.Equivalent(c.IssuerDN)).Select(ca => (Issuer: ca, Subject: c))).ToArray();
        var verdicts = new bool[pairs.Length];
        var platform = new PlatformVerifier();
        if (pairs.Length < ParallelThreshold)
            for (var i = 0; i < pairs.Length; i++) verdicts[i] = ChainCheck.Verify(pairs[i].Issuer, pairs[i].Subject, platform);
        else
            Parallel.For(0, pairs.Length, i => verdicts[i] = ChainCheck.Verify(pairs[i].Issuer, pairs[i].Subject, platform));
        return new SignatureFacts(
            pairs.Select((p, i) => KeyValuePair.Create(p, verdicts[i])).ToFrozenDictionary(PairComparer.Instance),
            cas.ToFrozenDictionary(c => c, c => c));
    }

    /// <summary>Whether <paramref name="issuer"/>'s key signed <paramref name="certificate"/>: the observed fact, or a check now.</summary>
    public bool Signs(X509Certificate issuer, X509Certificate certificate) =>
        _issuers.TryGetValue(issuer, out var checkedAs) && _verdicts.TryGetValue((checkedAs, certificate), out var holds) ? holds
        : ChainCheck.Verify(issuer, certificate);

    /// <summary>Why <paramref name="certificate"/> does not chain to <paramref name="anchors"/> as `openssl verify` would say; null when it does.</summary>
    public string? ChainProblem(X509Certificate certificate, IReadOnlyList<X509Certificate> anchors, DateTimeOffset now) =>
        ChainCheck.Problem(certificate, anchors, now, this);

    /// <summary>Certificate objects do not change: a verdict is for the very certificate object it was checked on, and its issuer's value.</summary>
    private sealed class PairComparer : IEqualityComparer<(X509Certificate Issuer, X509Certificate Subject)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((X509Certificate Issuer, X509Certificate Subject) x, (X509Certificate Issuer, X509Certificate Subject) y) =>
            ReferenceEquals(x.Issuer, y.Issuer) && ReferenceEquals(x.Subject, y.Subject);

        public int GetHashCode((X509Certificate Issuer, X509Certificate Subject) pair) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(pair.Issuer), RuntimeHelpers.GetHashCode(pair.Subject));
    }
}
