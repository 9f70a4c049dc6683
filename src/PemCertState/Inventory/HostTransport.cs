namespace PemCertState.Inventory;

public enum HostTransport { Local, Ssh }
