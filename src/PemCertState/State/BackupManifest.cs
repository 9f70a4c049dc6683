using System.Text.Json.Serialization;

namespace PemCertState.State;

/// <summary>manifest.json of a backup set (one per backup folder per apply).</summary>
/// <param name="RollbackOf">Set by a rollback, which backs up what it replaces: the id it restored. Absent for an apply's set.</param>
internal sealed record BackupManifest(string Id, DateTimeOffset CreatedAt, string Host, List<BackupManifestEntry> Files,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RollbackOf = null);

/// <summary>How an apply writes manifest.json (<see cref="BackupManifestReader"/> reads it back, checking every field).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupManifestJson : JsonSerializerContext;
