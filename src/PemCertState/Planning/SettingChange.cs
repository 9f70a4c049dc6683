namespace PemCertState.Planning;

/// <summary>One setting to set. <paramref name="Before"/> is null when the setting is absent or commented out.</summary>
public sealed record SettingChange(string Name, string? Before, string After)
{
    /// <summary>Comment the setting out instead of setting it (postgresql.conf only); <see cref="After"/> is then empty.</summary>
    public bool CommentOut { get; init; }
}
