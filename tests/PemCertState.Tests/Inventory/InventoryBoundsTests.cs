using System.Diagnostics;
using System.Text;
using PemCertState.Inventory;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>
/// A hostile or mistaken inventory is refused within a bound of time and memory, with file:line:column: alias bombs,
/// deep nesting, huge files, over-long subject values. The limits asserted here are generous (the machine is shared);
/// the measured figures are far below them.
/// </summary>
public sealed class InventoryBoundsTests : IDisposable
{
    private const long MemoryLimit = 300L * 1024 * 1024;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    private const string Head = """
        version: 1
        hosts: { pem: { transport: local } }
        ca: { subject: /CN=pem-ca }

        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("pemstate-bounds-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Loads in this thread and measures what it cost (allocations of this thread: tests in parallel do not count).</summary>
    private static (InventoryResult Result, TimeSpan Took, long Allocated) Measure(Func<InventoryResult> load)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var result = load();
        return (result, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>"Billion laughs": each anchor is a list of <paramref name="width"/> aliases of the previous one.</summary>
    private static string Laughs(int levels, int width, string item)
    {
        var text = new StringBuilder();
        text.Append("a: &a [").AppendJoin(',', Enumerable.Repeat(item, width)).Append("]\n");
        for (var level = 1; level < levels; level++)
        {
            char name = (char)('a' + level), previous = (char)('a' + level - 1);
            text.Append(name).Append(": &").Append(name).Append(" [").AppendJoin(',', Enumerable.Repeat("*" + previous, width)).Append("]\n");
        }
        return text.ToString();
    }

    public static TheoryData<string, int, string> Bombs() => new()
    {
        // 283 bytes: 9^8 (43 million) values once expanded.
        { "#b\n" + Laughs(levels: 8, width: 9, item: "lo"), 283, "7:11: the alias *e takes the inventory past 200000 values" },
        // 1.4 KB: 20^20 values once expanded.
        { Laughs(levels: 20, width: 20, item: "lol"), 1380, "5:8: the alias *d takes the inventory past 200000 values" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public void An_alias_bomb_is_refused_at_the_alias_in_bounded_time_and_memory(string yaml, int size, string expected)
    {
        // Given a classic YAML alias bomb of a few hundred bytes
        Assert.Equal(size, Encoding.UTF8.GetByteCount(yaml));
        var path = Write("pemstate.yaml", Encoding.UTF8.GetBytes(yaml));

        // When it is loaded
        var (result, took, allocated) = Measure(() => InventoryLoader.Load(path));

        // Then it is refused at the alias that crosses the bound, quickly, without expanding it
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.StartsWith($"{path}:{expected}", diagnostic.ToString(), StringComparison.Ordinal);
        Assert.Null(result.State);
        Assert.True(took < TimeLimit, $"took {took}");
        Assert.True(allocated < MemoryLimit, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Fifty_thousand_nested_brackets_are_refused_without_overflowing_the_stack()
    {
        // Given 50,000 nested '[' (each level was a recursion in the YAML library: SIGABRT)
        var path = Write("pemstate.yaml", Encoding.ASCII.GetBytes(new string('[', 50_000)));

        // When pemstate validate reads it, in a process of its own so that a crash cannot take the test run down
        var clock = Stopwatch.StartNew();
        var (exitCode, _, stderr) = Pemstate.Run(_folder, "validate", "-f", path);

        // Then it exits 1 with the position of the 65th level
        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}:1:65: the inventory is nested more than 64 levels deep", stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed} with process start");
    }

    [Fact]
    public void A_58_MB_inventory_is_refused_without_reading_it_whole()
    {
        // Given a 58 MB inventory of agents
        var text = new StringBuilder(Head).Append("server: { host: pem, data_dir: data, subject: /CN=pem }\nagents:\n  list:\n");
        for (var id = 1; text.Length < 58 * 1024 * 1024; id++)
            text.Append("    - { id: ").Append(id).Append(", host: pem, cert_dir: lab/agents/").Append(id).Append(", config: lab/agents/").Append(id).Append("/agent.cfg }\n");
        var path = Write("pemstate.yaml", Encoding.UTF8.GetBytes(text.ToString()));
        text.Clear();

        // When it is loaded
        var (result, took, allocated) = Measure(() => InventoryLoader.Load(path));

        // Then it is refused at 1:1 with its size, having read just past the 1 MiB bound
        Assert.Equal([$"{path}:1:1: the inventory is {new FileInfo(path).Length} bytes; at most 1048576 bytes (1 MiB) are read"], result.Diagnostics.Select(d => d.ToString()));
        Assert.True(took < TimeLimit, $"took {took}");
        Assert.True(allocated < 20L * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_CN_of_65_characters_is_refused_and_one_of_64_accepted()
    {
        // Given server subjects whose CN is one character over and exactly at X.520's upper bound
        string Inventory(int length) => Head + $"server: {{ host: pem, data_dir: data, subject: /O=EDB/CN={new string('a', length)} }}\n";

        // When each is loaded
        var over = InventoryText.Load(Inventory(65));
        var at = InventoryText.Load(Inventory(64));

        // Then the 65-character CN is refused where the subject stands, and 64 characters pass
        var diagnostic = Assert.Single(over.Diagnostics);
        Assert.Equal($"4:47: server.subject: CN in '/O=EDB/CN={new string('a', 65)}' is 65 characters long; at most 64 (X.520), or OpenSSL cannot load the certificate",
            $"{diagnostic.Line}:{diagnostic.Column}: {diagnostic.Message}");
        Assert.Empty(at.Diagnostics);
    }

    [Fact]
    public void Subject_values_are_bounded_as_X520_bounds_them()
    {
        // Given one attribute over its bound in each subject: O (64), L (128), ST (128)
        var yaml = Head.Replace("/CN=pem-ca", $"/O={new string('o', 65)}/CN=ca", StringComparison.Ordinal)
            + $"server: {{ host: pem, data_dir: data, subject: /L={new string('l', 129)}/CN=pem }}\n"
            + $"agents: {{ subject: /ST={new string('s', 129)} }}\n";

        // When it is loaded
        var messages = InventoryText.Load(yaml).Diagnostics.Select(d => d.Message).ToList();

        // Then each is named with its length and bound
        Assert.Equal(3, messages.Count);
        Assert.Contains("O in '", messages[0], StringComparison.Ordinal);
        Assert.EndsWith("is 65 characters long; at most 64 (X.520), or OpenSSL cannot load the certificate", messages[0], StringComparison.Ordinal);
        Assert.Contains("is 129 characters long; at most 128 (X.520)", messages[1], StringComparison.Ordinal);
        Assert.Contains("is 129 characters long; at most 128 (X.520)", messages[2], StringComparison.Ordinal);
        Assert.All(messages, m => Assert.True(m.Length < 300, m)); // the value is quoted in part, not whole
    }

    [Fact]
    public void A_10_MB_CN_is_refused_in_bounded_time_and_memory()
    {
        // Given a server subject with a 10 MB CN (it was written into a certificate OpenSSL cannot load)
        var path = Write("pemstate.yaml", Encoding.UTF8.GetBytes(Head + $"server: {{ host: pem, data_dir: data, subject: /CN={new string('a', 10 * 1024 * 1024)} }}\n"));

        // When it is loaded
        var (result, took, allocated) = Measure(() => InventoryLoader.Load(path));

        // Then it is refused, without a certificate ever being made
        Assert.Equal([$"{path}:1:1: the inventory is {new FileInfo(path).Length} bytes; at most 1048576 bytes (1 MiB) are read"], result.Diagnostics.Select(d => d.ToString()));
        Assert.True(took < TimeLimit, $"took {took}");
        Assert.True(allocated < MemoryLimit, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_string_over_4096_bytes_is_refused_once_at_its_value()
    {
        // Given a 5,000-byte CN inside a small file, and a data_dir of 2,100 two-byte characters (4,200 bytes)
        var yaml = Head + $"server: {{ host: pem, data_dir: {new string('é', 2100)}, subject: /CN={new string('a', 5000)} }}\n";

        // When it is loaded
        var located = InventoryText.Load(yaml).Diagnostics.Select(d => $"{d.Line}:{d.Column}: {d.Message}").ToList();

        // Then each is reported once, in bytes, where it stands (the CN is too long for a path before it is too long for X.520)
        const string Rule = "paths, names, subjects and commands are at most 4096 bytes (Linux's PATH_MAX)";
        Assert.Equal(
        [
            $"4:32: server.data_dir: is 4200 bytes long; {Rule}",
            $"4:2143: server.subject: is 5004 bytes long; {Rule}",
        ], located);
    }

    [Fact]
    public void Invalid_UTF8_in_a_path_is_refused_at_its_byte()
    {
        // Given data_dir: lab/serv\xff\xfeer/data, which a lenient decoder turned into another folder (U+FFFD)
        var bytes = Encoding.UTF8.GetBytes(Head + "server: { host: pem, subject: /CN=pem, data_dir: lab/serv")
            .Concat(new byte[] { 0xFF, 0xFE })
            .Concat(Encoding.UTF8.GetBytes("er/data }\n"))
            .ToArray();
        var path = Write("pemstate.yaml", bytes);

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then the first bad byte is named at its line and column, and nothing is resolved
        Assert.Equal([$"{path}:4:58: the inventory is not valid UTF-8: byte 134 (0xFF 0xFE 0x65 0x72) does not start or continue a character; save the file as UTF-8"],
            result.Diagnostics.Select(d => d.ToString()));
        Assert.Null(result.State);
    }

    [Fact]
    public void Valid_UTF8_with_a_byte_order_mark_still_loads()
    {
        // Given a UTF-8 inventory with a BOM and a non-ASCII path
        var path = Write("pemstate.yaml", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Head + "server: { host: pem, data_dir: lab/señor/data, subject: /CN=pem }\n")]);

        // When it is loaded
        var result = InventoryLoader.Load(path);

        // Then the path keeps its characters
        Assert.Empty(result.Diagnostics);
        Assert.EndsWith("/lab/señor/data", result.State!.Server.DataDir, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_up_to_the_bound_is_reported_by_the_schema_not_refused_as_too_deep()
    {
        // Given an unknown key holding 63 nested lists (64 levels with the root mapping)
        var yaml = Head + "server: { host: pem, data_dir: data, subject: /CN=pem }\njunk: " + new string('[', 63) + new string(']', 63) + "\n";

        // When it is loaded
        var messages = InventoryText.Load(yaml).Diagnostics.Select(d => d.Message);

        // Then only the unknown key is reported
        Assert.Equal(["unknown key 'junk' at the top level"], messages);
    }
}
