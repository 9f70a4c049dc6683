namespace PemCertState.Facts;

/// <summary>What pg_roles says about one agent role.</summary>
/// <param name="InPemAgent">Member of pem_agent, directly or through another role: what `+pem_agent` in pg_hba.conf matches.</param>
public sealed record RoleFacts(string Name, bool Exists, bool CanLogin, bool InPemAgent)
{
    /// <summary>What is wrong for a PEM agent login, or null when nothing is.</summary>
    public string? Problem =>
        !Exists ? $"role {Name} does not exist"
        : !CanLogin && !InPemAgent ? $"role {Name} cannot log in (NOLOGIN) and is not a member of pem_agent"
        : !CanLogin ? $"role {Name} cannot log in (NOLOGIN)"
        : !InPemAgent ? $"role {Name} is not a member of pem_agent"
        : null;
}
