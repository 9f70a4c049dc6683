using System.Security.Cryptography;
using System.Text;
using PemCertState.Hosts;
using Xunit;

// Not PemCertState.Tests.Hosts: that namespace would hide PemCertState.Hosts from tests that write Hosts.HostSet.
namespace PemCertState.Tests.HostAccess;

[Trait("Category", "Unit")]
public sealed class KnownHostsTests
{
    private static readonly byte[] Ed25519 = Blob("ssh-ed25519", 1);
    private static readonly byte[] OtherEd25519 = Blob("ssh-ed25519", 2);
    private static readonly byte[] Ecdsa = Blob("ecdsa-sha2-nistp256", 3);

    [Fact]
    public void A_plain_entry_on_port_22_is_known()
    {
        var file = KnownHosts.Parse([$"db7.example.com,10.0.0.7 ssh-ed25519 {B64(Ed25519)}"]);
        Assert.Equal(HostKeyVerdict.Known, file.Check("10.0.0.7", 22, Ed25519));
        Assert.Equal(HostKeyVerdict.Known, file.Check("DB7.example.com", 22, Ed25519));
    }

    [Fact]
    public void A_non_standard_port_matches_only_the_bracketed_form()
    {
        var file = KnownHosts.Parse([$"[127.0.0.1]:2222 ssh-ed25519 {B64(Ed25519)}"]);
        Assert.Equal(HostKeyVerdict.Known, file.Check("127.0.0.1", 2222, Ed25519));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("127.0.0.1", 22, Ed25519));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("127.0.0.1", 2223, Ed25519));
    }

    [Fact]
    public void A_hashed_entry_matches_its_host_and_no_other()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("[db7]:2222"));
        var file = KnownHosts.Parse([$"|1|{B64(salt)}|{B64(hash)} ssh-ed25519 {B64(Ed25519)}"]);
        Assert.Equal(HostKeyVerdict.Known, file.Check("db7", 2222, Ed25519));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("db8", 2222, Ed25519));
    }

    [Fact]
    public void Another_key_of_the_same_type_is_a_change_and_a_new_type_is_unknown()
    {
        var file = KnownHosts.Parse([$"db7 ssh-ed25519 {B64(Ed25519)}"]);
        Assert.Equal(HostKeyVerdict.Changed, file.Check("db7", 22, OtherEd25519));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("db7", 22, Ecdsa));
        Assert.Equal([KnownHosts.Fingerprint(Ed25519)], file.FingerprintsFor("db7", 22, "ssh-ed25519"));
    }

    [Fact]
    public void Wildcards_negation_revocation_and_comments_follow_ssh()
    {
        var file = KnownHosts.Parse([
            "# a comment",
            $"*.example.com,!evil.example.com ssh-ed25519 {B64(Ed25519)}",
            $"@revoked * ssh-ed25519 {B64(OtherEd25519)}",
            $"@cert-authority *.example.com ssh-ed25519 {B64(Ecdsa)}",
        ]);
        Assert.Equal(HostKeyVerdict.Known, file.Check("db7.example.com", 22, Ed25519));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("evil.example.com", 22, Ed25519));
        Assert.Equal(HostKeyVerdict.Revoked, file.Check("db7.example.com", 22, OtherEd25519));
        Assert.Equal(new HashSet<string> { "ssh-ed25519" }, file.KeyTypesFor("db7.example.com", 22));
    }

    [Fact]
    public void Fingerprints_and_lines_read_like_ssh_keygen_and_ssh_keyscan()
    {
        Assert.Equal("SHA256:" + Convert.ToBase64String(SHA256.HashData(Ed25519)).TrimEnd('='), KnownHosts.Fingerprint(Ed25519));
        Assert.Equal($"[10.0.0.7]:2222 ssh-ed25519 {B64(Ed25519)}", KnownHosts.Line("10.0.0.7", 2222, Ed25519));
        Assert.Equal($"10.0.0.7 ecdsa-sha2-nistp256 {B64(Ecdsa)}", KnownHosts.Line("10.0.0.7", 22, Ecdsa));
    }

    [Fact]
    public void Accepting_a_new_key_appends_it_once_and_never_over_a_changed_one()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("pemstate-kh-").FullName, "ssh", "known_hosts");
        try
        {
            Assert.True(KnownHosts.AppendUnknown(path, "db7", 2222, Ed25519));
            Assert.False(KnownHosts.AppendUnknown(path, "db7", 2222, Ed25519));
            Assert.False(KnownHosts.AppendUnknown(path, "db7", 2222, OtherEd25519));
            Assert.Equal([$"[db7]:2222 ssh-ed25519 {B64(Ed25519)}"], File.ReadAllLines(path));
        }
        finally { Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(path))!, recursive: true); }
    }

    /// <summary>An SSH public key blob: string type, then bytes standing in for the key.</summary>
    private static byte[] Blob(string type, byte seed)
    {
        var name = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + name.Length + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, name.Length);
        name.CopyTo(blob, 4);
        blob.AsSpan(4 + name.Length).Fill(seed);
        return blob;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
