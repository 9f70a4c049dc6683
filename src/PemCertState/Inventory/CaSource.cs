namespace PemCertState.Inventory;

public enum CaSource { SelfSigned, Trusted }
