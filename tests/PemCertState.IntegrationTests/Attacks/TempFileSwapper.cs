using System.Diagnostics;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16's attack 3, played for real: a Python process running as the folder's owner (runuser) watches the folder
/// with inotify. pemstate makes each new file inside a private folder of its own (`.pemstate-<random>`, 0700, root's)
/// and renames it out by descriptor; the moment that folder appears, the attacker renames it away, makes a folder of
/// its own under the name with a link to the victim inside, and also tries to plant a link inside pemstate's folder.
/// It prints one line per attempt: "swapped" when its folder took the name, "late" when pemstate's folder was gone
/// already, and "planted" if it ever managed to put a name inside pemstate's folder (it must not).
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
        print("ready", flush=True)
        while True:
            data = os.read(fd, 65536)
            at = 0
            while at < len(data):
                _, _, _, length = struct.unpack_from("iIII", data, at)
                name = data[at + 16:at + 16 + length].rstrip(b"\0")
                at += 16 + length
                if not name.startswith(b".pemstate-") or name.endswith(b".stolen") or name.endswith(b".mine"):
                    continue
                path = os.path.join(folder, name)
                for inside in (b"agent1.key", b"agent1.crt", b"server.key"):
                    try:
                        os.symlink(victim, os.path.join(path, inside))
                        print("planted", flush=True)
                    except OSError:
                        pass
                try:
                    st = os.lstat(path)
                    if st.st_uid == os.getuid():
                        continue  # its own folder
                    os.rename(path, path + b".stolen")
                    os.mkdir(path + b".mine")
                    for inside in (b"agent1.key", b"agent1.crt", b"server.key"):
                        os.symlink(victim, os.path.join(path + b".mine", inside))
                    os.rename(path + b".mine", path)
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

    /// <summary>Names the attacker managed to put inside pemstate's private folder: must stay 0.</summary>
    public int Planted => Lines.Count(l => l == "planted");

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
