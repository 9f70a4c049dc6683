using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// One sshd, the passwordless-sudo login, and an unprivileged attacker account for the attack tests. A test connects as
/// root or as the sudo login (<see cref="Connect"/>) and plays the attacker with files it gives to that account.
/// </summary>
public sealed class SshAttackFixture : IDisposable
{
    private readonly SshdFixture _sshd = new();
    private readonly SshdInstance _host;

    public SshAttackFixture()
    {
        _host = _sshd.Start("attack0");
        SudoUser = SshdFixture.EnsureSudoUser();
        Attacker = UnprivilegedAccount.Create("pematk");
    }

    public string HostName => "attack0";

    public string SudoUser { get; }

    internal UnprivilegedAccount Attacker { get; }

    /// <summary>A host reached as root (<paramref name="login"/> "root") or as the sudo login with sudo: true ("sudo").</summary>
    internal SshHost Connect(string login)
    {
        var pin = $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(_host.PublicKeyBlob)).TrimEnd('=')}";
        var spec = login == "sudo"
            ? new HostSpec(HostName, HostTransport.Ssh, "127.0.0.1", _host.Port, SudoUser, _sshd.ClientKey, Sudo: true, HostKey: pin)
            : new HostSpec(HostName, HostTransport.Ssh, "127.0.0.1", _host.Port, "root", _sshd.ClientKey, HostKey: pin);
        return new SshHost(spec, new SshOptions());
    }

    public void Dispose()
    {
        _sshd.Dispose();
        Attacker.Dispose();
    }
}
