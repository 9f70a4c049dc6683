namespace PemCertState.Inventory;

/// <summary>Which web server serves PEM's web interface: its config syntax and directive names.</summary>
public enum WebServerKind { Apache, Nginx }
