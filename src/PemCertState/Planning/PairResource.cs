using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// One key and certificate the inventory wants, whichever CA issues it: the server's, an agent's (agents.user: per-agent)
/// or the web server's. What it is (subject, usage, names, policy) and where it lives, beside what observation found there.
/// </summary>
/// <param name="Request">The certificate wanted: subject, usage and (the web's) subject alternative names, for every issuer;
/// its issuer name and validity (an agent's spread over the fleet) are what the self-signed CA signs with. A trusted CA's
/// request takes the policy's validity and ca.subject instead.</param>
/// <param name="Names">The subjectAltName the certificate must hold (the web's); null: not checked.</param>
internal sealed record PairResource(
    ResourceAddress Address, string Host, string BackupDir, string? Owner, ObservedKey Key, ObservedCertificate Certificate,
    string KeyPath, string CertificatePath, IssueRequest Request, CertificatePolicy Policy, IReadOnlyList<string>? Names = null)
{
    public IReadOnlyList<FileFacts> Files => [Key.File, Certificate.File];

    public static PairResource Server(DesiredState desired, ObservedState observed)
    {
        var server = desired.Server;
        var seen = observed.Server;
        return new(Addresses.ServerCertificate, server.Host, server.BackupDir, server.Owner, seen.Key, seen.Certificate,
            seen.Key.File.Path, seen.Certificate.File.Path,
            new IssueRequest(server.Subject, desired.Ca.Subject, LeafUsage.Server, server.Policy.Validity), server.Policy);
    }

    /// <summary>An agent's own pair (agents.user: per-agent); signed in process, its validity is spread so a fleet does not renew on one day.</summary>
    public static PairResource Agent(DesiredState desired, AgentSpec agent, ObservedAgent seen)
    {
        var agents = desired.Agents;
        return new(Addresses.AgentCertificate(agent.Id), agent.Host, PemFiles.AgentBackupDir(agent), agent.Owner, seen.Key, seen.Certificate,
            PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent),
            new IssueRequest(PemFiles.AgentSubject(agents, agent), desired.Ca.Subject, LeafUsage.Client, agent.Policy.Validity - agents.SpreadFor(agent.Id)),
            agent.Policy);
    }

    public static PairResource Web(DesiredState desired, WebSpec web, ObservedWeb seen) =>
        new(Addresses.WebCertificate, web.Host, web.BackupDir, web.Owner, seen.Key, seen.Certificate, web.KeyFile, web.CertificateFile,
            new IssueRequest(web.Subject, desired.Ca.Subject, LeafUsage.Server, web.Policy.Validity) { SubjectAltNames = web.SubjectAltNames },
            web.Policy, web.SubjectAltNames);
}
