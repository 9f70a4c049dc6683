using System.Diagnostics;
using System.Security.Cryptography;

namespace PemCertState.Tests.Support;

/// <summary>
/// A throwaway unprivileged OS account, as the owner of an agent's cert_dir or of data_dir is: the attack tests act as
/// it (runuser) to plant what such an account can, then run pemstate as root. Needs root; removed with userdel -r.
/// </summary>
internal sealed class HostileAccount : IDisposable
{
    // useradd and userdel lock /etc/passwd; tests in parallel (and other test runs on the machine) take turns.
    private static readonly Lock Accounts = new();

    public string Name { get; }

    private HostileAccount(string name) => Name = name;

    public static HostileAccount Create()
    {
        var name = "pematk" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        lock (Accounts)
        {
            var (code, output) = Retry(() => Root("useradd", "-m", "-s", "/bin/sh", name));
            if (code != 0) throw new InvalidOperationException($"useradd {name} failed ({code}): {output}");
        }
        return new HostileAccount(name);
    }

    /// <summary>Gives the account <paramref name="path"/> and everything in it, as an agent's account owns its cert_dir.</summary>
    public void Own(string path) => Check(Root("chown", "-R", $"{Name}:", path));

    /// <summary>Lets the account walk from <paramref name="top"/> down to <paramref name="folder"/> (o+x on each), as on a real host.</summary>
    public static void AllowTraverse(string top, string folder)
    {
        for (var dir = folder; dir.Length >= top.Length; dir = Path.GetDirectoryName(dir)!)
        {
            if (Directory.Exists(dir)) File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.OtherExecute);
            if (dir == top) break;
        }
    }

    /// <summary>Runs a command as the account; throws when it fails, so that a test never mistakes a failed plant for a defeated attack.</summary>
    public void Run(params string[] command) => Check(Exec(null, command));

    /// <summary>Writes a file as the account (it must be able to, or the test is wrong).</summary>
    public void Write(string path, byte[] content) => Check(Exec(content, ["sh", "-c", "cat > \"$1\"", "sh", path]));

    private (int Code, string Output) Exec(byte[]? stdin, string[] command)
    {
        var start = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in (string[])["-u", Name, "--", .. command]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        if (stdin is not null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static (int Code, string Output) Root(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static (int Code, string Output) Retry(Func<(int Code, string Output)> action)
    {
        var result = action();
        // Exit 10 (useradd) / 10 (userdel): /etc/passwd is locked by another run; it is released in moments.
        for (var i = 0; i < 20 && result.Code == 10; i++)
        {
            Thread.Sleep(250);
            result = action();
        }
        return result;
    }

    private static void Check((int Code, string Output) result)
    {
        if (result.Code != 0) throw new InvalidOperationException($"command failed ({result.Code}): {result.Output}");
    }

    public void Dispose()
    {
        lock (Accounts) Retry(() => Root("userdel", "-r", Name));
    }
}
