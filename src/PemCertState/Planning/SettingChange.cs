namespace PemCertState.Planning;

/// <summary>One setting to set. <paramref name="Before"/> is null when the setting is absent or commented out.</summary>
public sealed record SettingChange(string Name, string? Before, string After);
