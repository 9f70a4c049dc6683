using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// The last look before a restart with a trusted CA, made on the files as they are on the hosts now (not as planned):
/// PostgreSQL must not restart on a server pair that does not match, with a root.crt that would reject a managed
/// agent's certificate, or with a CRL from a CA that is not in root.crt (the leftover-CRL trap, whose symptom,
/// 'tlsv1 alert unknown ca', points nowhere near the CRL). Each problem names the file and the fix. Pure.
/// </summary>
internal static class TrustedPreflight
{
    public static IReadOnlyList<string> Problems(DesiredState desired, ObservedState observed, DateTimeOffset now)
    {
        var anchors = observed.Server.Root.Certificates;
        var root = observed.Server.Root.File.Path;
        if (anchors.Count == 0)
            return [$"{root} holds no certificate: PostgreSQL would accept no agent. Fix: run pemstate apply to write the trusted CA into it"];

        var server = observed.Server;
        var problems = new List<string>();

        Pair(problems, "the server", server.Key, server.Certificate, "restore server.key and server.crt from the same backup set, or let pemstate apply install a signed pair");
        if (new PairAssessment(server.Key, server.Certificate).ChainProblem(anchors, now, observed.Signatures) is { } serverChain)
            problems.Add($"{server.Certificate.File.Path} does not verify against {root} ({serverChain}). Fix: install a server certificate signed by the CA in root.crt");

        foreach (var agent in desired.Agents.List)
        {
            if (!observed.Agents.TryGetValue(agent.Id, out var held)) continue;
            Pair(problems, $"agent {agent.Id}", held.Key, held.Certificate, $"let pemstate apply install agent {agent.Id}'s signed pair, or restore both files from its backup set");
            if (new PairAssessment(held.Key, held.Certificate).ChainProblem(anchors, now, observed.Signatures) is { } chain)
                problems.Add($"{root} would reject {held.Certificate.File.Path} ({chain}; issuer {DistinguishedNames.Format(held.Certificate.Certificate!.IssuerDN)}): agent {agent.Id} " +
                    "would stop working. Fix: get its request signed by the trusted CA and run pemstate apply again before restarting the server");
        }

        if (server.Settings.Settings.GetValueOrDefault("ssl_crl_file") is { Length: > 0 } crlSetting)
        {
            var crlPath = Path.GetFullPath(crlSetting, desired.Server.DataDir);
            if (crlPath == server.Crl.File.Path)
            {
                if (!server.Crl.File.Exists)
                    problems.Add($"ssl_crl_file names {crlPath}, which is missing: PostgreSQL would not start. Fix: set ca.crl to the CA's CRL, or crl: none to comment ssl_crl_file out");
                else if (server.Crl.Crl is not { } crl)
                    problems.Add($"{crlPath} is not a readable CRL: PostgreSQL would not start. Fix: set ca.crl to the CA's CRL, or crl: none");
                else if (!TrustAnchors.IssuedCrl(anchors, crl))
                    problems.Add($"{crlPath} is issued by {DistinguishedNames.Format(crl.IssuerDN)}, which is not in {root}: every agent login would fail " +
                        "with 'tlsv1 alert unknown ca'. Fix: set ca.crl to the trusted CA's CRL, or crl: none so that ssl_crl_file is commented out");
            }
        }
        return problems;
    }

    /// <summary>Before an agent restarts: its key and certificate belong together and chain to the trusted CA.</summary>
    public static IReadOnlyList<string> AgentProblems(DesiredState desired, AgentSpec agent, ObservedKey key, ObservedCertificate cert, DateTimeOffset now)
    {
        var problems = new List<string>();
        Pair(problems, $"agent {agent.Id}", key, cert, $"let pemstate apply install agent {agent.Id}'s signed pair, or restore both files from its backup set");
        if (problems.Count == 0 && desired.Ca.Trusted is { } trusted && SignatureFacts.None.ChainProblem(cert.Certificate!, trusted.Bundle, now) is { } chain)
            problems.Add($"{cert.File.Path} does not chain to ca.certificate ({chain}): agent {agent.Id} would not log in after the server restart. " +
                "Fix: get its request signed by the trusted CA and run pemstate apply again");
        return problems;
    }

    /// <summary>The pair as <see cref="PairAssessment"/> judges it, in the preflight's words: the first file at fault, and the fix.</summary>
    private static void Pair(List<string> problems, string who, ObservedKey key, ObservedCertificate cert, string fix)
    {
        var pair = new PairAssessment(key, cert);
        if (pair.KeyFile == PairFile.Missing || pair.CertificateFile == PairFile.Missing)
            problems.Add($"{(pair.KeyFile == PairFile.Missing ? key.File.Path : cert.File.Path)} is missing for {who}. Fix: {fix}");
        else if (!pair.Complete)
            problems.Add($"{(pair.KeyFile == PairFile.Unreadable ? key.File.Path : cert.File.Path)} is unreadable for {who}. Fix: {fix}");
        else if (pair.Mismatched)
            problems.Add($"{key.File.Path} does not belong to {cert.File.Path}. Fix: {fix}");
    }
}
