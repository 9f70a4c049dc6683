namespace PemCertState.Planning;

/// <summary>One setting to set. <paramref name="Before"/> is null when the setting is absent or commented out.</summary>
internal sealed record SettingChange(string Name, string? Before, string After)
{
    /// <summary>Comment the setting out instead of setting it (postgresql.conf only); <see cref="After"/> is then empty.</summary>
    public bool CommentOut { get; init; }

    /// <summary>The change in words, for a step's reason: "ssl_ca_file is 'a.crt', want 'root.crt'".</summary>
    public string Describe() => Before is null ? $"{Name} is not set" : $"{Name} is '{Before}', want '{After}'";
}
