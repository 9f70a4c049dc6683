using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PemCertState.Tests.Support;

/// <summary>
/// apply.lock files written by hand for holders a test controls, in the format pemstate writes, with the process facts
/// read from /proc here rather than through pemstate's own code: a test of the lock must not agree with it by construction.
/// </summary>
internal static class LockFiles
{
    public static string PathIn(Lab lab) => Path.Combine(lab.StateDir, PemCertState.Execution.ApplyLock.FileName);

    /// <summary>A lock of this machine's, held by <paramref name="pid"/>; a null <paramref name="processStart"/> writes it as a pemstate from before process start times did.</summary>
    public static void Plant(Lab lab, int pid, long? processStart, DateTimeOffset started, string command = "apply")
    {
        var holder = new Dictionary<string, object?>
        {
            ["user"] = "root",
            ["machine"] = Environment.MachineName,
            ["pid"] = pid,
            ["started"] = started,
            ["command"] = command,
        };
        if (processStart is { } ticks)
        {
            holder["process_start"] = ticks;
            holder["boot_id"] = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            if (File.Exists("/etc/machine-id")) holder["machine_id"] = File.ReadAllText("/etc/machine-id").Trim();
        }
        Directory.CreateDirectory(lab.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllBytes(PathIn(lab), JsonSerializer.SerializeToUtf8Bytes(holder));
    }

    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat: when the process started, in clock ticks after boot.</summary>
    public static long StartTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name, in parentheses, may hold spaces and parentheses: the fields after it start at field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[22 - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>A pid no process has now: one that ran and was waited for.</summary>
    public static int DeadPid()
    {
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        return gone.Id;
    }

    /// <summary>A `sleep` of the test's own, to stand for a holder that still runs; killed when disposed.</summary>
    public sealed class Sleeper : IDisposable
    {
        private readonly Process _process = Process.Start("sleep", "600")!;

        public int Pid => _process.Id;

        public void Dispose()
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
