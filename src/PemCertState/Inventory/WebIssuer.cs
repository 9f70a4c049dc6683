namespace PemCertState.Inventory;

/// <summary>Who signs the web certificate.</summary>
public enum WebIssuer
{
    /// <summary>The inventory's own CA (ca.source: self-signed), like the server and agent certificates.</summary>
    Managed,
    /// <summary>A trusted CA (ca.source: trusted) through the request/signed flow: pending key beside the live one, CSR with the names out, signed certificate in.</summary>
    Trusted,
}
