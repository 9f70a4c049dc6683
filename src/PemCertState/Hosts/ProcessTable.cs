using System.Globalization;

namespace PemCertState.Hosts;

/// <summary>
/// The processes of the machine pemstate runs on, as /proc tells them, to know a lock's holder again. A pid alone names
/// whichever process has it now: once the holder is gone the kernel hands it to the next one. The process's start time
/// (clock ticks after boot, field 22 of /proc/&lt;pid&gt;/stat) and the boot it counts from
/// (/proc/sys/kernel/random/boot_id, new at every boot) tell the holder from a process that got its pid later.
/// </summary>
internal static class ProcessTable
{
    public static string? BootId { get; } = FirstLine("/proc/sys/kernel/random/boot_id");

    /// <summary>/etc/machine-id, where there is one: a host name is not unique (two VMs or containers both called "pem-ctl").</summary>
    public static string? MachineId { get; } = FirstLine("/etc/machine-id");

    /// <summary>When <paramref name="pid"/> started, in clock ticks after boot; null when no process has that pid.</summary>
    public static long? StartTicks(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // "pid (command) state ...": the command may hold spaces and parentheses, so the fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 22 - 3 && long.TryParse(fields[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    /// <summary>
    /// When <paramref name="pid"/> started by the wall clock (boot time from /proc/stat plus its start ticks), to the
    /// second or so; null when no process has that pid. For locks written before start ticks were recorded.
    /// </summary>
    public static DateTimeOffset? StartTime(int pid)
    {
        if (StartTicks(pid) is not { } ticks || BootTime() is not { } boot) return null;
        return boot.AddSeconds((double)ticks / Posix.ClockTicksPerSecond);
    }

    private static DateTimeOffset? BootTime()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/stat"))
                if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    private static string? FirstLine(string path)
    {
        try { return File.ReadLines(path).FirstOrDefault()?.Trim() is { Length: > 0 } line ? line : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
