namespace PemCertState.Verification;

/// <summary>One certificate login as an agent: ok, or the server's (or TLS layer's) own words for the refusal.</summary>
public sealed record AgentLogin(int AgentId, string User, bool Succeeded, string Message)
{
    /// <summary>Not tried from here: the agent's key stays on its host, and a login needs it. Neither a success nor a finding.</summary>
    public bool NotTried { get; init; }
}
