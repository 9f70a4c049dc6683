using System.Globalization;
using PemCertState.IntegrationTests.Fixtures;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// A throwaway Linux account with no privileges, the attacker of the attack tests: it owns an agent's folder, as an
/// agent's OS user does. Made with useradd, removed with userdel -r (its home and mail with it).
/// </summary>
internal sealed class UnprivilegedAccount : IDisposable
{
    public string Name { get; }
    public uint Uid { get; }

    private UnprivilegedAccount(string name, uint uid)
    {
        Name = name;
        Uid = uid;
    }

    public static UnprivilegedAccount Create(string prefix)
    {
        var name = prefix + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var (exit, output) = SshdFixture.Run("useradd", "-m", "-s", "/bin/sh", name);
        if (exit != 0) throw new InvalidOperationException($"useradd {name} failed: {output}");
        var uid = uint.Parse(SshdFixture.Run("id", "-u", name).Output.Trim(), CultureInfo.InvariantCulture);
        return new UnprivilegedAccount(name, uid);
    }

    /// <summary>Gives <paramref name="path"/> to this account (the link itself, not its target, when it is a link).</summary>
    public void Own(string path)
    {
        var (exit, output) = SshdFixture.Run("chown", "-h", $"{Name}:{Name}", path);
        if (exit != 0) throw new InvalidOperationException($"chown {path} failed: {output}");
    }

    public void Dispose() => SshdFixture.Run("userdel", "-r", Name);
}
