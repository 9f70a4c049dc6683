namespace PemCertState.Inventory;

/// <summary>Who signs the web certificate.</summary>
public enum WebIssuer
{
    /// <summary>The inventory's own CA (ca.source: self-signed), like the server and agent certificates.</summary>
    Managed,
    /// <summary>A trusted CA through the request/signed flow (CSR out, signed certificate in). Not supported yet: the loader rejects it.</summary>
    Trusted,
}
