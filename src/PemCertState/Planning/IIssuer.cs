using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// How the plan's certificates are obtained, and the trust that follows from it: the one thing the self-signed and the
/// trusted CA paths do differently (cert-manager's Issuer beside its Certificate). Every resource rule (each key and
/// certificate pair, <see cref="PairReconciler"/>; the common agent pair, <see cref="Planning.CommonPair"/>; root.crt and root.crl
/// as files, the SSL settings, agent.cfg, the web chain file, config and reload (<see cref="WebReconciler"/>), restarts, the order and the rotation phases) is written once, outside; an issuer answers only for
/// what the CA decides: whether a pair is one it would issue, and how a new one is obtained. Called once per plan, in the order
/// of the members below, except <see cref="Fault"/> and <see cref="PlanNewPair"/>, which PairReconciler calls for each pair
/// (the server's, the web's, each agent's own), and <see cref="PlanCommonInstall"/>, which <see cref="Planning.CommonPair"/> calls for each agent; each member adds its steps and warnings in place, so the plan keeps each
/// path's order.
/// </summary>
internal interface IIssuer
{
    /// <summary>
    /// The issuer's own state first (self-signed: PEM's renewal job and the CA itself; trusted: every certificate judged).
    /// False while a certificate must still come from outside: the steps are then only the requests, and the plan ends there.
    /// </summary>
    bool Obtain(IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings);

    /// <summary>A CA rotation is under way: phase 1 in <see cref="PlanTrust"/>, phase 3 in <see cref="PlanFinalTrust"/>.</summary>
    bool Rotating { get; }

    /// <summary>The pairs a change of agents.user left, found where this issuer's warnings say so.</summary>
    IReadOnlyList<Planner.Abandoned> Abandoned { get; }

    /// <summary>root.crt and root.crl as this issuer wants them, or rotation phase 1 (both CAs trusted). Returns whether the server's files change.</summary>
    bool PlanTrust(List<PlanStep> steps);

    /// <summary>What keeps a live pair from being one this issuer would issue, in words; null when it is (it is kept).</summary>
    string? Fault(PairResource pair);

    /// <summary>The steps that obtain a new pair and install it in place of the live one (backed up already), for <paramref name="reason"/>.</summary>
    void PlanNewPair(PairResource pair, string reason, List<PlanStep> steps);

    /// <summary>postgresql.conf's SSL settings (<see cref="ServerSettings"/>) and what else the server needs from this issuer. Returns whether they change.</summary>
    bool PlanServerSettings(List<PlanStep> steps, List<string> warnings);

    /// <summary>Whether this issuer signs the web certificate (web.issuer names it).</summary>
    bool IssuesWeb(WebSpec web);

    /// <summary>What web.chain_file must hold (<see cref="WebReconciler"/> keeps or writes it), and any word about the web chain.</summary>
    WebChain WebChain(WebSpec web, ObservedWeb seen, List<string> warnings);

    /// <summary>Before the agents' lanes: what they all share (the common pair), and warnings about what the agents leave.</summary>
    void BeforeAgents(List<PlanStep> steps, List<string> warnings);

    /// <summary>agents.user: common: the one pair every agent shares, as this issuer has it (set by <see cref="BeforeAgents"/>).</summary>
    CommonPair CommonPair { get; }

    /// <summary>agents.user: common: install the new common pair on this agent (backed up already), this issuer's way.</summary>
    void PlanCommonInstall(AgentSpec agent, ObservedAgent seen, List<PlanStep> steps);

    /// <summary>After every agent's lane: what leaves with the agents (retired files) and what is said about it.</summary>
    void AfterAgents(List<PlanStep> steps, List<string> warnings);

    /// <summary>Rotation phase 3: the old CA leaves root.crt and root.crl (and the settings its absence changes).</summary>
    void PlanFinalTrust(List<PlanStep> steps);

    /// <summary>Files of the other path that nothing uses any more: pending keys and requests.</summary>
    void PlanCleanup(List<PlanStep> steps);

    /// <summary>The words of the server's last restart or reload, for <paramref name="verb"/>.</summary>
    string LoadReason(string verb);

    /// <summary>After the server's last load: what the issuer records of this apply (the ledger of the agents it signed for).</summary>
    void PlanRecords(List<PlanStep> steps);
}
