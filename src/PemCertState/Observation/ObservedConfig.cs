namespace PemCertState.Observation;

/// <summary>A config file with the effective values of the settings pemstate manages (null: absent or commented out).</summary>
public sealed record ObservedConfig(FileFacts File, IReadOnlyDictionary<string, string?> Settings);
