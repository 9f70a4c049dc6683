namespace PemCertState.Facts;

/// <summary>One line of pg_hba.conf as the server parsed it (the pg_hba_file_rules view).</summary>
/// <param name="Address">null for local lines; "all", "samehost", "samenet", a host name or an IP address.</param>
/// <param name="Error">The server's own complaint about the line; such a line is skipped by the server.</param>
public sealed record HbaRule(
    int Line,
    string Type,
    IReadOnlyList<string> Databases,
    IReadOnlyList<string> Users,
    string? Address,
    string? Netmask,
    string? Method,
    string? Error)
{
    public override string ToString() =>
        $"{Type} {string.Join(',', Databases)} {string.Join(',', Users)}{(Address is null ? "" : " " + Address)}{(Netmask is null ? "" : " " + Netmask)} {Method}";
}
