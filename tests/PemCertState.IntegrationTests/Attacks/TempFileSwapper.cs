using System.Diagnostics;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16's attack 3, played for real: a Python process running as the folder's owner (runuser) watches the folder
/// with inotify and, the moment a pemstate temp file appears, renames it away and puts a link to the victim under its
/// name, hoping that a chmod, chown or rename by path follows the link. It prints one line per attempt: "swapped" when
/// both its calls landed, "late" when pemstate had already renamed the temp file.
/// </summary>
internal sealed class TempFileSwapper : IDisposable
{
    private const string Script = """
        import ctypes, os, struct, sys
        folder, victim = sys.argv[1].encode(), sys.argv[2].encode()
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(0)
        if fd < 0 or libc.inotify_add_watch(fd, folder, 0x100 | 0x80) < 0:  # IN_CREATE | IN_MOVED_TO
            sys.exit("inotify: errno %d" % ctypes.get_errno())
        planted = set()  # its own links raise IN_CREATE too
        print("ready", flush=True)
        while True:
            data = os.read(fd, 65536)
            at = 0
            while at < len(data):
                _, _, _, length = struct.unpack_from("iIII", data, at)
                name = data[at + 16:at + 16 + length].rstrip(b"\0")
                at += 16 + length
                if not name.endswith(b".pemstate-tmp") or name in planted:
                    continue
                path = os.path.join(folder, name)
                try:
                    os.rename(path, path + b".stolen")
                    planted.add(name)
                    os.symlink(victim, path)
                    print("swapped", flush=True)
                except OSError:
                    print("late", flush=True)
        """;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TempFileSwapper(UnprivilegedAccount attacker, string folder, string victim)
    {
        var python = new[] { "/usr/bin/python3", "/usr/libexec/platform-python" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("the race test's attacker needs python3 at /usr/bin/python3");
        var start = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-u", attacker.Name, "--", python, "-c", Script, folder, victim }) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("runuser did not start");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data == "ready") _ready.TrySetResult();
            else lock (_lines) _lines.Add(e.Data);
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add("stderr: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until the watch is in place, so that no write goes before the attacker looks.</summary>
    public async Task ReadyAsync()
    {
        var finished = await Task.WhenAny(_ready.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        if (finished != _ready.Task) throw new TimeoutException($"the attacker did not start watching: {string.Join("\n", Lines)}");
    }

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    public int Swapped => Lines.Count(l => l == "swapped");

    public int Late => Lines.Count(l => l == "late");

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
