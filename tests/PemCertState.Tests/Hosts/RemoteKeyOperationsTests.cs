using System.Diagnostics;
using System.Text;
using PemCertState.Crypto;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Tests.Crypto;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// The remote file program's key operations (what an SSH host runs), run here with python3 and checked with openssl:
/// a key made on the host is a real key whose bytes never come back; a key file read answers with its hash and public
/// half; signing and copying refuse a key that changed; and certificates, CRLs and requests signed that way verify.
/// </summary>
public sealed class RemoteKeyOperationsTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static TheoryData<string> Kinds => ["rsa", "p256", "p384"];

    private static KeySpec Spec(string kind) => kind switch
    {
        "rsa" => KeySpec.Rsa(2048),
        "p256" => KeySpec.EcdsaP256,
        _ => KeySpec.EcdsaP384,
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_key_made_on_the_host_stays_there_and_only_its_public_half_and_hash_come_back(string kind)
    {
        // Given an empty folder on the "host"
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "agent1.key.next");

        // When the program makes a key there, then reads it back
        var made = Single(Run(new RemoteFileRequest("genkey", path, Private, Key: Spec(kind))));
        var read = Single(Run(new RemoteFileRequest("read", path)));

        // Then the file is a 0600 private key openssl reads, and neither answer carried its bytes: only its SHA-256 and public key
        Assert.Equal("ok", made.Status);
        Assert.Equal(Private, File.GetUnixFileMode(path));
        var onDisk = File.ReadAllBytes(path);
        Assert.Contains("PRIVATE KEY-----", Encoding.ASCII.GetString(onDisk), StringComparison.Ordinal);
        var spki = OpenSsl.Ok(dir.Path, "pkey", "-in", path, "-pubout");
        foreach (var answer in new[] { made, read })
        {
            Assert.True(answer.Content is null || answer.Content.Length == 0);
            var sealedKey = Assert.IsType<SealedKey>(answer.Sealed());
            Assert.Equal(Fingerprints.Sha256Hex(onDisk), sealedKey.Sha256);
            Assert.Equal(spki.Trim(), PemBlocks.Encode("PUBLIC KEY", sealedKey.PublicKeyInfo!).Trim());
        }
        Assert.Equal(Spec(kind), KeyGenerator.Describe(KeyPairs.PublicKeyOf(made.Sealed()!.PublicKeyInfo!)!));

        // and only an explicit unsealed read (the common-user pair) gets the bytes
        Assert.Equal(onDisk, Single(Run(new RemoteFileRequest("read", path, Sha256: Fingerprints.Sha256Hex(onDisk), Unseal: true))).Content);
        var other = Single(Run(new RemoteFileRequest("read", path, Sha256: new string('0', 64), Unseal: true)));
        Assert.Equal(("refused", "changed"), (other.Status, other.Text("reason")));
        Assert.True(other.Content is null);
    }

    [Fact]
    public void A_key_with_another_name_is_neither_signed_with_copied_nor_sent()
    {
        // Given a key on the "host" that also has another name (a hard link an account could have made to a root-only key)
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "agent.key");
        var key = Single(Run(new RemoteFileRequest("genkey", path, Private, Key: KeySpec.EcdsaP256))).Sealed()!;
        using (var ln = Process.Start("ln", [path, Path.Combine(dir.Path, "other-name")])!) ln.WaitForExit();

        // When pemstate signs with it, copies it, or reads it to share it
        var answers = Run(
            new RemoteFileRequest("sign", path, Content: new byte[] { 1 }, Sha256: key.Sha256, Digest: "sha256"),
            new RemoteFileRequest("copy", Path.Combine(dir.Path, "copy"), Private, Source: path, Sha256: key.Sha256),
            new RemoteFileRequest("read", path, Sha256: key.Sha256, Unseal: true));

        // Then each is refused for its links, and nothing was written or sent
        Assert.All(answers, a => Assert.Equal(("refused", "hardlinks"), (a.Status, a.Text("reason"))));
        Assert.All(answers, a => Assert.True(a.Content is null));
        Assert.False(File.Exists(Path.Combine(dir.Path, "copy")));
    }

    [Fact]
    public void Only_a_key_block_starting_a_line_seals_a_file_and_a_malformed_request_keeps_the_answers_in_place()
    {
        // Given a config whose comment names a key block, and a key file padded past what a pipe holds
        using var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, "agent.cfg");
        File.WriteAllText(config, "# paste no -----BEGIN PRIVATE KEY----- here\nagent_id=1\n");
        var padded = Path.Combine(dir.Path, "padded.key");
        var key = Single(Run(new RemoteFileRequest("genkey", Path.Combine(dir.Path, "real.key"), Private, Key: KeySpec.EcdsaP256)));
        File.WriteAllText(padded, File.ReadAllText(Path.Combine(dir.Path, "real.key")) + new string('#', 70 * 1024));

        // When the config is read, the padded key signed with, and a request names an operation there is none of
        var answers = Run(
            new RemoteFileRequest("read", config),
            new RemoteFileRequest("sign", padded, Content: new byte[] { 1 }, Sha256: Fingerprints.Sha256Hex(File.ReadAllBytes(padded)), Digest: "sha256"),
            new RemoteFileRequest("nosuchop", Path.Combine(dir.Path, "odd.key")),
            new RemoteFileRequest("read", config));

        // Then the config comes back whole, the oversized key is refused (no hang), the odd request gets its own error,
        // and the request after it is still answered in its place
        Assert.Equal(File.ReadAllBytes(config), answers[0].Content);
        Assert.Null(answers[0].Sealed());
        Assert.Equal(("refused", "size"), (answers[1].Status, answers[1].Text("reason")));
        Assert.Equal("error", answers[2].Status);
        Assert.False(File.Exists(Path.Combine(dir.Path, "odd.key")));
        Assert.Equal(File.ReadAllBytes(config), answers[3].Content);
        Assert.Equal("ok", key.Status);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Certificates_crls_and_requests_signed_on_the_host_verify_with_openssl(string kind)
    {
        // Given a CA key and an agent key made on the "host"
        using var dir = new TempDirectory();
        var caKeyPath = Path.Combine(dir.Path, "ca_key.key");
        var agentKeyPath = Path.Combine(dir.Path, "agent1.key");
        var caKey = Single(Run(new RemoteFileRequest("genkey", caKeyPath, Private, Key: Spec(kind)))).Sealed()!;
        var agentKey = Single(Run(new RemoteFileRequest("genkey", agentKeyPath, Private, Key: KeySpec.EcdsaP256))).Sealed()!;
        var caPublic = KeyPairs.PublicKeyOf(caKey.PublicKeyInfo!)!;
        var agentPublic = KeyPairs.PublicKeyOf(agentKey.PublicKeyInfo!)!;
        RemoteSigner SignerFor(string path, string sha256, Org.BouncyCastle.Crypto.AsymmetricKeyParameter publicKey) =>
            RemoteSigner.For(publicKey, (data, _) =>
                Task.FromResult(Single(Run(new RemoteFileRequest("sign", path, Content: data, Sha256: sha256, Digest: RemoteSigner.AlgorithmFor(publicKey).Digest))).Content!));

        // When the CA certificate, a leaf, a CRL and the agent's request are signed there
        var now = DateTimeOffset.UtcNow;
        var ca = await CertificateAuthority.CreateSelfSignedAsync("/CN=pem-ca", caPublic, SignerFor(caKeyPath, caKey.Sha256, caPublic), now, TimeSpan.FromDays(365), default);
        var leaf = await ca.IssueAsync("/CN=agent1", agentPublic, LeafUsage.Client, now, TimeSpan.FromDays(30), [], default);
        var crl = await ca.CreateCrlAsync(now, TimeSpan.FromDays(7), [new RevokedEntry(new Org.BouncyCastle.Math.BigInteger("1234"), now)], default);
        var request = await CertificateRequests.CreateAsync("/CN=agent1", agentPublic, SignerFor(agentKeyPath, agentKey.Sha256, agentPublic), ["agent1.example.com"], default);
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("agent1.crt", PemCodec.EncodeCertificate(leaf));
        dir.Write("root.crl", PemCodec.EncodeCrl(crl));
        dir.Write("agent1.csr", request);

        // Then openssl verifies each signature, and the leaf belongs to the key on disk
        Assert.Contains("agent1.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-crl_check", "-CAfile", "ca.crt", "-CRLfile", "root.crl", "agent1.crt"), StringComparison.Ordinal);
        Assert.Contains("verify OK", OpenSsl.Ok(dir.Path, "crl", "-in", "root.crl", "-CAfile", "ca.crt", "-noout"), StringComparison.Ordinal);
        Assert.Contains("OK", OpenSsl.Ok(dir.Path, "req", "-in", "agent1.csr", "-verify", "-noout"), StringComparison.Ordinal);
        Assert.Equal(OpenSsl.Ok(dir.Path, "pkey", "-in", "agent1.key", "-pubout"), OpenSsl.Ok(dir.Path, "x509", "-in", "agent1.crt", "-noout", "-pubkey"));
        Assert.True(ca.KeyMatches);
    }

    [Fact]
    public void Signing_and_copying_refuse_a_key_that_is_not_the_one_pemstate_saw()
    {
        // Given a key on the "host", then replaced by another account after pemstate read it
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "server.key");
        var seen = Single(Run(new RemoteFileRequest("genkey", path, Private, Key: KeySpec.EcdsaP256))).Sealed()!;
        Single(Run(new RemoteFileRequest("genkey", path, Private, Key: KeySpec.EcdsaP256)));
        var copy = Path.Combine(dir.Path, "backup", "server.key");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);

        // When pemstate signs with it, or backs it up, naming what it saw
        var signed = Single(Run(new RemoteFileRequest("sign", path, Content: new byte[] { 1, 2, 3 }, Sha256: seen.Sha256, Digest: "sha256")));
        var copied = Single(Run(new RemoteFileRequest("copy", copy, Private, Source: path, Sha256: seen.Sha256)));

        // Then both are refused, nothing is signed and nothing is copied
        Assert.Equal(("refused", "changed"), (signed.Status, signed.Text("reason")));
        Assert.Equal(("refused", "changed"), (copied.Status, copied.Text("reason")));
        Assert.False(File.Exists(copy));

        // and with the key's current hash, the copy is the file's exact bytes, 0600
        var now = Fingerprints.Sha256Hex(File.ReadAllBytes(path));
        Assert.Equal("ok", Single(Run(new RemoteFileRequest("copy", copy, Private, Source: path, Sha256: now))).Status);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
        Assert.Equal(Private, File.GetUnixFileMode(copy));
    }

    [Fact]
    public void A_copy_never_follows_a_link_at_its_source()
    {
        // Given a link where a backup copy's source should be, pointing at a root-only file
        using var dir = new TempDirectory();
        var secret = Path.Combine(dir.Path, "secret");
        File.WriteAllText(secret, "root only");
        var link = Path.Combine(dir.Path, "agent1.key");
        File.CreateSymbolicLink(link, secret);

        // When a copy names it with the secret's own hash
        var answer = Single(Run(new RemoteFileRequest("copy", Path.Combine(dir.Path, "copy"), Private, Source: link,
            Sha256: Fingerprints.Sha256Hex(File.ReadAllBytes(secret)))));

        // Then it is refused as a link, and nothing was written
        Assert.Equal(("refused", "kind", "link"), (answer.Status, answer.Text("reason"), answer.Text("kind")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "copy")));
    }

    private static RemoteFileAnswer Single(List<RemoteFileAnswer> answers) => Assert.Single(answers);

    /// <summary>Runs RemoteFiles.py here, as an SSH host runs it: the requests on stdin, the answers from stdout.</summary>
    internal static List<RemoteFileAnswer> Run(params RemoteFileRequest[] requests)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-I", "-S", "-c", RemoteFileProgram.Source }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
        process.StandardInput.BaseStream.Write(RemoteFileProgram.Encode(requests));
        process.StandardInput.Close();
        reading.Wait();
        process.WaitForExit();
        var answers = RemoteFileProgram.Decode(output.ToArray());
        Assert.True(answers.Count == requests.Length, error.Result);
        return answers;
    }
}
