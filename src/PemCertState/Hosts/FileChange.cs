namespace PemCertState.Hosts;

/// <summary>One change of a sequence made with <see cref="IHost.RunInOrderAsync"/>: each is what the IHost method of the same name does.</summary>
public abstract record FileChange(string Path)
{
    /// <summary><see cref="IHost.EnsureDirectoryAsync"/>.</summary>
    public sealed record EnsureFolder(string Path, UnixFileMode Mode) : FileChange(Path);

    /// <summary><see cref="IHost.WriteAtomicAsync"/>. Content may be key bytes: never log it.</summary>
    /// <param name="Expected">When set, the write is refused (<see cref="ManagedFileRefusals.Changed"/>) unless the file holds
    /// this now: its SHA-256 (lower-case hex), or "" for no file. A config edited from what pemstate last knew of it is
    /// written only over that very text, so another hand's change in between is never lost.</param>
    public sealed record Write(string Path, ReadOnlyMemory<byte> Content, UnixFileMode Mode, string? Owner, string? Expected = null) : FileChange(Path);

    /// <summary><see cref="IHost.CopyAsync"/>: <see cref="FileChange.Path"/> is the destination.</summary>
    public sealed record Copy(string Source, string Sha256, string Path, UnixFileMode Mode, string? Owner) : FileChange(Path);

    /// <summary><see cref="IHost.DeleteAsync"/>.</summary>
    public sealed record Delete(string Path) : FileChange(Path);

    /// <summary>Runs one change alone, through the host's own method for it (an expected write reads the file first).</summary>
    public Task ApplyAsync(IHost host, CancellationToken ct) => this switch
    {
        EnsureFolder f => host.EnsureDirectoryAsync(f.Path, f.Mode, ct),
        Write { Expected: { } expected } w => WriteExpectedAsync(host, w, expected, ct),
        Write w => host.WriteAtomicAsync(w.Path, w.Content, w.Mode, w.Owner, ct),
        Copy c => host.CopyAsync(c.Source, c.Sha256, c.Path, c.Mode, c.Owner, ct),
        Delete d => host.DeleteAsync(d.Path, ct),
        _ => throw new NotSupportedException(GetType().Name),
    };

    private static async Task WriteExpectedAsync(IHost host, Write write, string expected, CancellationToken ct)
    {
        var now = await host.ReadAsync(write.Path, ct).ConfigureAwait(false);
        if (now.Sha256 != expected) throw ManagedFileRefusals.Changed(host.Name, write.Path, now.Exists);
        await host.WriteAtomicAsync(write.Path, write.Content, write.Mode, write.Owner, ct).ConfigureAwait(false);
    }
}
