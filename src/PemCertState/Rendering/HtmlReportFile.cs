using System.Text;

namespace PemCertState.Rendering;

/// <summary>
/// Writes the report where --out says, whole or not at all: a temp file beside it, created exclusively (O_CREAT|O_EXCL
/// never follows a link), flushed, then renamed over the destination. A symbolic link at --out is refused rather than
/// replaced or written through: pemstate often runs as root, and a link planted where a pipeline publishes the page must
/// not point it at another file. Mode 0644: the page holds no secret (no key bytes, no password) and is meant to be read.
/// </summary>
public static class HtmlReportFile
{
    public static async Task WriteAsync(string outFile, string html, CancellationToken ct)
    {
        var destination = Path.GetFullPath(outFile);
        if (Directory.Exists(destination)) throw new IOException($"{outFile} is a folder");
        if (new FileInfo(destination).LinkTarget is not null)
            throw new IOException($"{outFile} is a symbolic link; refusing to write through or over it (remove it, or choose another name)");
        var folder = Path.GetDirectoryName(destination)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        try
        {
            var stream = new FileStream(temp, create);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(html), ct).ConfigureAwait(false);
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
