namespace PemCertState.Rendering;

/// <summary>
/// `status --out FILE`, `report --out FILE` and `plan --out FILE`: a file another program reads at any moment (node_exporter's
/// textfile collector every scrape, a pipeline's next job) is replaced whole, never seen half written: temp file in the same
/// folder, created with its final mode, fsync, rename over the old one.
/// </summary>
public static class ReplacedFile
{
    /// <summary>rw-r--r--: node_exporter usually runs as its own account and must read the metrics.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>rw-------: a saved plan is read back by pemstate, as root, and by nobody else.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>; a symbolic link there, or a folder, is refused (IOException).</summary>
    public static Task WriteAsync(string path, string text, CancellationToken ct) => WriteAsync(path, text, Mode, ct);

    /// <summary>The same with another mode, set from the temp file's creation on (never wider for a moment).</summary>
    public static async Task WriteAsync(string path, string text, UnixFileMode mode, CancellationToken ct)
    {
        var destination = Path.GetFullPath(path);
        // A link is refused rather than replaced: whoever planted it meant the write for somewhere else.
        var existing = new FileInfo(destination);
        if (existing.LinkTarget is not null)
            throw new IOException($"{destination} is a symbolic link; give the real file");
        if (Directory.Exists(destination))
            throw new IOException($"{destination} is a folder");
        var folder = Path.GetDirectoryName(destination)!;
        // A dot name: the textfile collector reads only *.prom, so it never picks up the temp file.
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, // O_EXCL: never through a link planted at the temp name
            Access = FileAccess.Write,
            UnixCreateMode = mode,
        };
        try
        {
            var stream = new FileStream(temp, create);
            await using (stream.ConfigureAwait(false))
            {
                // The umask may have taken bits off the mode given at creation; set on the descriptor, not the name.
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
