using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>
/// An OpenSSH known_hosts file, read the way ssh(1) reads it: plain and hashed (|1|salt|hash) host
/// fields, comma lists, '*'/'?' wildcards, '!' negation, [host]:port for ports other than 22, and
/// @revoked lines. @cert-authority lines are skipped: pemstate does not accept host certificates.
/// </summary>
internal sealed class KnownHosts
{
    private static readonly Lock AppendLock = new();

    private readonly List<Entry> _entries;

    private KnownHosts(List<Entry> entries) => _entries = entries;

    private sealed record Entry(string Hosts, bool Revoked, string KeyType, byte[] Blob);

    /// <summary>Reads <paramref name="path"/>; a missing file knows no hosts (the first --accept-new-host-keys creates it).</summary>
    public static KnownHosts Load(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (FileNotFoundException) { lines = []; }
        catch (DirectoryNotFoundException) { lines = []; }
        return Parse(lines);
    }

    public static KnownHosts Parse(IEnumerable<string> lines)
    {
        var entries = new List<Entry>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var revoked = false;
            if (fields[0].StartsWith('@'))
            {
                if (fields[0] == "@revoked") revoked = true;
                else continue; // @cert-authority: host certificates are not used
                fields = fields[1..];
            }
            if (fields.Length < 3) continue;
            byte[] blob;
            try { blob = Convert.FromBase64String(fields[2]); }
            catch (FormatException) { continue; }
            entries.Add(new Entry(fields[0], revoked, fields[1], blob));
        }
        return new KnownHosts(entries);
    }

    /// <summary>What ssh(1) names a host in known_hosts: "host" on port 22, "[host]:port" otherwise.</summary>
    public static string HostName(string address, int port) => port == 22 ? address : $"[{address}]:{port}";

    /// <summary>"SHA256:..." as ssh-keygen -l and ssh(1) print it (unpadded base64 of the SHA-256 of the key blob).</summary>
    public static string Fingerprint(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    /// <summary>The key type written inside the blob ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa").</summary>
    public static string KeyType(byte[] blob)
    {
        if (blob.Length < 4) return "unknown";
        var length = BinaryPrimitives.ReadInt32BigEndian(blob);
        return length <= 0 || length > blob.Length - 4 ? "unknown" : Encoding.ASCII.GetString(blob, 4, length);
    }

    /// <summary>The line to add to known_hosts to trust <paramref name="blob"/> for this host, as ssh-keyscan prints it.</summary>
    public static string Line(string address, int port, byte[] blob) =>
        $"{HostName(address, port)} {KeyType(blob)} {Convert.ToBase64String(blob)}";

    /// <summary>Key types this file holds for the host (not revoked), so that the client asks the server for one of those.</summary>
    public IReadOnlySet<string> KeyTypesFor(string address, int port)
    {
        var name = HostName(address, port);
        return _entries.Where(e => !e.Revoked && Matches(e.Hosts, name)).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Compares a presented host key with what the file says about the host.</summary>
    public HostKeyVerdict Check(string address, int port, byte[] blob)
    {
        var name = HostName(address, port);
        var type = KeyType(blob);
        var matching = _entries.Where(e => Matches(e.Hosts, name)).ToList();
        if (matching.Any(e => e.Revoked && e.Blob.AsSpan().SequenceEqual(blob)))
            return HostKeyVerdict.Revoked;
        var known = matching.Where(e => !e.Revoked).ToList();
        if (known.Any(e => e.KeyType == type && e.Blob.AsSpan().SequenceEqual(blob)))
            return HostKeyVerdict.Known;
        // Like ssh(1): another key of the same type for this host means the key changed; a key of a
        // type the file does not hold for it is merely new.
        return known.Any(e => e.KeyType == type) ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
    }

    /// <summary>The fingerprints the file holds for the host with the same key type, to show next to a changed key.</summary>
    public IReadOnlyList<string> FingerprintsFor(string address, int port, string keyType)
    {
        var name = HostName(address, port);
        return _entries.Where(e => !e.Revoked && e.KeyType == keyType && Matches(e.Hosts, name)).Select(e => Fingerprint(e.Blob)).ToList();
    }

    /// <summary>
    /// Appends a line for a key that <see cref="Check"/> found <see cref="HostKeyVerdict.Unknown"/>. Re-reads the file
    /// under a process-wide lock, so that hosts connecting in parallel neither add a key twice nor add one that
    /// another line now contradicts. Returns false (and writes nothing) when the key is no longer unknown.
    /// </summary>
    public static bool AppendUnknown(string path, string address, int port, byte[] blob)
    {
        lock (AppendLock)
        {
            if (Load(path).Check(address, port, blob) != HostKeyVerdict.Unknown) return false;
            var folder = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
                Directory.CreateDirectory(folder, FileModes.PrivateDirectory);
            var needsNewline = File.Exists(path) && new FileInfo(path).Length > 0 && !EndsWithNewline(path);
            var options = new FileStreamOptions
            {
                Mode = FileMode.Append, Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            using var stream = new FileStream(path, options);
            var text = (needsNewline ? "\n" : "") + Line(address, port, blob) + "\n";
            stream.Write(Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
            return true;
        }
    }

    private static bool EndsWithNewline(string path)
    {
        using var stream = File.OpenRead(path);
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    /// <summary>ssh(1)'s match_hostname: a comma list of patterns, any negated match vetoes, or one hashed name.</summary>
    internal static bool Matches(string hostsField, string name)
    {
        if (hostsField.StartsWith("|1|", StringComparison.Ordinal)) return HashedMatches(hostsField, name);
        var matched = false;
        foreach (var pattern in hostsField.Split(','))
        {
            if (pattern.Length == 0) continue;
            var negated = pattern[0] == '!';
            var body = negated ? pattern[1..] : pattern;
            if (!Wildcard(body.ToLowerInvariant(), name.ToLowerInvariant())) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    private static bool HashedMatches(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4) return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = Convert.FromBase64String(parts[3]);
            var mine = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
            return CryptographicOperations.FixedTimeEquals(mine, hash);
        }
        catch (FormatException) { return false; }
    }

    private static bool Wildcard(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
