using System.Globalization;
using System.Text.Json;
namespace PemCertState.State;

/// <summary>
/// Who holds the apply lock, as `apply.lock` holds it: enough for a person to find the process and decide, and for pemstate
/// to know whether that very process still runs (Observation.ObservedLock judges it). Read back from a host, it is untrusted
/// input: bounded, checked, and its text shown without control characters.
/// </summary>
/// <param name="Machine">The host name of the machine pemstate ran on (not the managed host the lock is on).</param>
/// <param name="Started">When the lock was taken, by the real clock (PEMSTATE_NOW does not move it).</param>
/// <param name="ProcessStart">The holder's start in clock ticks after boot (Hosts.ProcessTable); null in a lock
/// written by a pemstate from before it was recorded.</param>
/// <param name="BootId">The boot of <paramref name="Machine"/> the holder ran in; null in such an older lock.</param>
/// <param name="MachineId"><paramref name="Machine"/>'s /etc/machine-id, where it has one.</param>
public sealed record LockHolder(
    string User, string Machine, int Pid, DateTimeOffset Started, string Command,
    long? ProcessStart = null, string? BootId = null, string? MachineId = null)
{
    /// <summary>Larger than any lock pemstate writes by far; anything larger is not one.</summary>
    private const int MaxBytes = 4096;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, LockHolderJson.Default.LockHolder);

    /// <summary>The holder a lock file names, or null and what is wrong with it ("empty", "not JSON", ...).</summary>
    public static (LockHolder? Holder, string? Problem) Parse(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty) return (null, "empty");
        if (content.Length > MaxBytes) return (null, $"{content.Length} bytes, more than a lock holds");
        LockHolder? holder;
        try { holder = JsonSerializer.Deserialize(content, LockHolderJson.Default.LockHolder); }
        catch (JsonException) { return (null, "not a pemstate lock: not its JSON"); }
        // Deserialization fills a missing string with null, whatever the record says.
        if (holder is null || holder.User is null || holder.Machine is null || holder.Command is null || holder.Pid <= 0)
            return (null, "not a pemstate lock: its user, machine, pid or command is missing");
        return (holder, null);
    }

    /// <summary>"root@ctl pid 4711 ('apply', since 2026-11-27 12:00:00Z)", with whatever the file holds made printable.</summary>
    public string Who => string.Create(CultureInfo.InvariantCulture,
        $"{Account} pid {Pid} ('{Printable(Command)}', since {Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");

    /// <summary>"root@ctl", printable.</summary>
    public string Account => $"{Printable(User)}@{Printable(Machine)}";

    /// <summary>At most 100 characters, control characters as '?': the file's text must not drive the terminal it is shown on.</summary>
    internal static string Printable(string text)
    {
        var shown = text.Length > 100 ? text[..100] + "..." : text;
        return string.Concat(shown.Select(c => Inventory.ControlCharacters.IsControl(c) ? '?' : c));
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LockHolder))]
internal sealed partial class LockHolderJson : System.Text.Json.Serialization.JsonSerializerContext;
