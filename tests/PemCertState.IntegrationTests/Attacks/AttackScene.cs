using System.Security.Cryptography;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// The ground of one attack: an agent folder owned by the attacker, and root's victim, a 0600 file in a 0700 folder
/// beside it that the attacker can name but not touch. Removed with everything in it.
/// </summary>
internal sealed class AttackScene : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("pemstate-attack-").FullName;
    public string Agent { get; }
    public string Vault { get; }
    public string Victim { get; }

    public AttackScene(UnprivilegedAccount attacker)
    {
        File.SetUnixFileMode(Root, (UnixFileMode)Convert.ToInt32("755", 8));
        Agent = Path.Combine(Root, "agent");
        Directory.CreateDirectory(Agent);
        File.SetUnixFileMode(Agent, (UnixFileMode)Convert.ToInt32("755", 8));
        attacker.Own(Agent);
        Vault = Path.Combine(Root, "vault");
        Directory.CreateDirectory(Vault, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Victim = Path.Combine(Vault, "secret");
        File.WriteAllBytes(Victim, RandomNumberGenerator.GetBytes(64));
        File.SetUnixFileMode(Victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Content, mode, owner and link count: what a successful attack would change.</summary>
    public static string Fingerprint(string path) =>
        $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))} {SshdFixture.Run("stat", "-c", "%a %u:%g %h", path).Output.Trim()}";

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
