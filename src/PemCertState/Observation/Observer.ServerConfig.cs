using System.Text;
using PemCertState.Configuration;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>How deep includes are followed, and how many files at most: a cycle or a flood stops there, with a note.</summary>
    private const int MaxIncludeDepth = 10;
    private const int MaxIncludedFiles = 64;
    private const int MaxNotes = 20;

    /// <summary>
    /// Where the SSL settings really get their values (issue 20, item 9): postgresql.conf read in order, each include,
    /// include_if_exists and include_dir followed where it stands (paths relative to the including file), then
    /// postgresql.auto.conf (ALTER SYSTEM) last. Only files inside data_dir (the inventory's config folder) are read; the host
    /// refuses a link on the way, so none is followed; depth and count are bounded, and a file already on the way is not read
    /// again (a cycle). Everything read is untrusted: only its active lines are parsed, nothing is run.
    /// </summary>
    private async Task<(Dictionary<string, SettingSource> Sources, List<FileFacts> Included, List<string> Notes)> ObserveConfigChainAsync(
        ServerSpec server, FileSnapshot postgresqlConf, CancellationToken ct)
    {
        var host = hosts[server.Host];
        var sources = new Dictionary<string, SettingSource>(StringComparer.OrdinalIgnoreCase);
        var included = new List<FileFacts>();
        var notes = new List<string>();
        var root = Path.GetFullPath(server.DataDir).TrimEnd('/') + "/";
        // Attempts, not successes: a refused read (a link, a folder) costs a host request too.
        var read = 0;
        var dropped = 0;
        void Note(string note)
        {
            if (notes.Count < MaxNotes) notes.Add(Inventory.Printable.Of(note));
            else dropped++;
        }

        async Task WalkAsync(FileSnapshot file, int depth, ImmutableStack path)
        {
            foreach (var line in PostgresqlConf.Directives(Encoding.UTF8.GetString(file.Content)))
            {
                if (!line.IsInclude)
                {
                    if (SslSettings.Names.Any(n => n.Equals(line.Name, StringComparison.OrdinalIgnoreCase)))
                        sources[line.Name.ToLowerInvariant()] = new SettingSource(line.Name.ToLowerInvariant(), line.Value, file.Path, line.Line);
                    continue;
                }
                var where = $"{server.Host}:{file.Path} line {line.Line} ({line.Name} '{line.Value}')";
                if (line.Value.Length == 0 || line.Value.Any(char.IsControl))
                {
                    Note($"{where} is not a path: not read");
                    continue;
                }
                var target = Path.GetFullPath(line.Value, Path.GetDirectoryName(file.Path)!);
                if (!target.StartsWith(root, StringComparison.Ordinal))
                {
                    Note($"{where} is outside data_dir {server.DataDir}: not read, so SSL settings set there are not seen");
                    continue;
                }
                if (depth >= MaxIncludeDepth || read >= MaxIncludedFiles)
                {
                    Note($"{where} is not read: more than {MaxIncludeDepth} levels or {MaxIncludedFiles} files of includes");
                    continue;
                }
                var files = new List<string>();
                if (line.Name.Equals("include_dir", StringComparison.OrdinalIgnoreCase))
                {
                    try
                    {
                        // PostgreSQL reads the folder's *.conf files (not hidden ones) in name order.
                        read++;
                        files.AddRange((await host.ListAsync(target, ct).ConfigureAwait(false))
                            .Where(n => n.EndsWith(".conf", StringComparison.Ordinal) && !n.StartsWith('.')).Order(StringComparer.Ordinal)
                            .Take(MaxIncludedFiles).Select(n => Path.Combine(target, n)));
                    }
                    catch (HostOperationException e)
                    {
                        Note($"{where} could not be listed: {e.Message}");
                        continue;
                    }
                }
                else
                {
                    files.Add(target);
                }
                foreach (var next in files)
                {
                    if (path.Contains(next))
                    {
                        Note($"{where} includes {next}, which is already being read (a cycle): not read again");
                        continue;
                    }
                    if (read >= MaxIncludedFiles) break;
                    FileSnapshot snapshot;
                    read++;
                    try { snapshot = await host.ReadAsync(next, ct).ConfigureAwait(false); }
                    catch (HostOperationException e)
                    {
                        Note($"{where}: {next} is not read ({e.Message})");
                        continue;
                    }
                    if (!snapshot.Exists)
                    {
                        if (line.Name.Equals("include", StringComparison.OrdinalIgnoreCase)) Note($"{where}: {next} is missing");
                        continue;
                    }
                    included.Add(FileFacts.From(snapshot));
                    await WalkAsync(snapshot, depth + 1, path.Push(next)).ConfigureAwait(false);
                }
            }
        }

        if (postgresqlConf.Exists) await WalkAsync(postgresqlConf, 0, ImmutableStack.Empty.Push(postgresqlConf.Path)).ConfigureAwait(false);
        try
        {
            var auto = await host.ReadAsync(PemFiles.InDataDir(server, SettingSource.AutoConf), ct).ConfigureAwait(false);
            if (auto.Exists) await WalkAsync(auto, MaxIncludeDepth, ImmutableStack.Empty.Push(auto.Path)).ConfigureAwait(false);
        }
        catch (HostOperationException e)
        {
            notes.Add($"{server.Host}:{PemFiles.InDataDir(server, SettingSource.AutoConf)} is not read ({e.Message})");
        }
        if (dropped > 0) notes.Add($"...and {dropped} more notes about includes in {server.Host}:{server.DataDir}");
        return (sources, included, notes);
    }

    /// <summary>The files on the way from postgresql.conf to the one being read.</summary>
    private sealed class ImmutableStack
    {
        private readonly string? _head;
        private readonly ImmutableStack? _tail;

        private ImmutableStack(string? head, ImmutableStack? tail) => (_head, _tail) = (head, tail);

        public static ImmutableStack Empty { get; } = new(null, null);

        public ImmutableStack Push(string path) => new(path, this);

        public bool Contains(string path)
        {
            for (var s = this; s?._head is not null; s = s._tail)
                if (s._head == path) return true;
            return false;
        }
    }
}
