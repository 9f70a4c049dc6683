namespace PemCertState.Inventory;

public enum KeyAlgorithm { Rsa, Ecdsa }
