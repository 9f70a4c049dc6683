using System.Text;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.State;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>manifest.json is read as untrusted input: anything but what an apply writes refuses the whole set, naming the entry.</summary>
[Trait("Category", "Attack")]
public sealed class BackupManifestReaderTests
{
    private const string Folder = "/srv/pem/.pem/certs/20261127T120000Z";
    private const string Key = "/srv/pem/.pem/agent1.key";
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static readonly IReadOnlyDictionary<string, RestorableFile> Restorable = new Dictionary<string, RestorableFile>
    {
        [Key] = new("pem", Key, new HashSet<ResourceAddress> { Addresses.AgentCertificate(1) }, IsKey: true, Owner: null),
    };

    [Fact]
    public void A_manifest_as_an_apply_writes_it_is_a_set()
    {
        var (set, problems) = Read(Manifest(Entry()));

        Assert.Empty(problems);
        Assert.Equal("20261127T120000Z", set!.Id);
        Assert.Equal(Key, Assert.Single(set.Files).Path);
    }

    [Theory]
    [InlineData("\"backup_file\": \"agent1.key\"", "\"backup_file\": \"/etc/shadow\"", "backup_file \"/etc/shadow\" is not a plain file name")]
    [InlineData("\"backup_file\": \"agent1.key\"", "\"backup_file\": \"../../../etc/shadow\"", "is not a plain file name")]
    [InlineData("\"backup_file\": \"agent1.key\"", "\"backup_file\": \"..\"", "is not a plain file name")]
    [InlineData("\"sha256\": \"" + Sha + "\"", "\"sha256\": null", "sha256 is missing or null")]
    [InlineData("\"sha256\": \"" + Sha + "\"", "\"sha256\": \"abc\"", "is not a SHA-256")]
    [InlineData("\"path\": \"" + Key + "\"", "\"path\": \"/etc/cron.d/job\"", "files[0] (path \"/etc/cron.d/job\"): path is not a file the inventory manages")]
    [InlineData("\"mode\": \"0600\"", "\"mode\": \"4755\"", "mode \"4755\" is not a file mode between 0000 and 0777")]
    [InlineData("\"mode\": \"0600\"", "\"mode\": 384", "mode is not a non-empty string")]
    [InlineData("\"owner\": \"root\"", "\"owner\": \"../x\"", "owner \"../x\" is not a user name")]
    [InlineData("\"address\": \"agent[1].certificate\"", "\"address\": \"server.certificate\"", "address \"server.certificate\" is not the resource of that file")]
    [InlineData("\"address\": \"agent[1].certificate\"", "\"address\": \"agent[01].certificate\"", "address \"agent[01].certificate\" is not a resource address")]
    [InlineData("\"host\": \"pem\", \"path\"", "\"host\": \"other\", \"path\"", "host \"other\" is not the host it was found on")]
    public void A_wrong_entry_refuses_the_set_and_says_which(string from, string to, string expected)
    {
        var text = Manifest(Entry());
        Assert.Contains(from, text, StringComparison.Ordinal);

        var (set, problems) = Read(text.Replace(from, to, StringComparison.Ordinal));

        Assert.Null(set);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "created_at": "2026-11-27T12:00:00Z", "host": "pem", "files": [] }""", "id is missing or null")]
    [InlineData("""{ "id": "../../x", "created_at": "2026-11-27T12:00:00Z", "host": "pem", "files": [] }""", "is not a backup id")]
    [InlineData("""{ "id": "20261127T130000Z", "created_at": "2026-11-27T12:00:00Z", "host": "pem", "files": [] }""", "is not the name of its folder")]
    [InlineData("""{ "id": "20261127T120000Z", "created_at": "yesterday", "host": "pem", "files": [] }""", "is not a time")]
    [InlineData("""{ "id": "20261127T120000Z", "created_at": "2026-11-27T12:00:00Z", "host": "pem", "files": {} }""", "files is missing or not a list")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    [InlineData("""{ "id": """, "not valid JSON")]
    public void A_malformed_manifest_is_refused_with_what_is_wrong(string text, string expected)
    {
        var (set, problems) = Read(text);

        Assert.Null(set);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static (BackupSet? Set, IReadOnlyList<string> Problems) Read(string text) =>
        BackupManifestReader.Read(Encoding.UTF8.GetBytes(text), "pem", Folder, Restorable);

    private static string Entry() =>
        $$"""{ "address": "agent[1].certificate", "host": "pem", "path": "{{Key}}", "backup_file": "agent1.key", "sha256": "{{Sha}}", "mode": "0600", "owner": "root" }""";

    private static string Manifest(string entry) =>
        $$"""{ "id": "20261127T120000Z", "created_at": "2026-11-27T12:00:00+00:00", "host": "pem", "files": [ {{entry}} ] }""";
}
