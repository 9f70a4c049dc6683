namespace PemCertState.Crypto;

/// <summary>Which extended key usages a leaf gets: Server = serverAuth, Client = clientAuth.</summary>
[Flags]
public enum LeafUsage { Server = 1, Client = 2 }
