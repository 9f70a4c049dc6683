using System.Text;

namespace PemCertState.Hosts;

/// <summary>
/// What a command printed, kept to its first and last <see cref="Half"/> bytes: the start says what it set out to do,
/// the end why it stopped. A restart command that printed 200 MB once took 876 MB of pemstate's memory when its
/// output was read whole.
/// </summary>
internal sealed class BoundedOutput
{
    public const int Half = 64 * 1024;

    private readonly byte[] _head = new byte[Half];
    private readonly byte[] _tail = new byte[Half];
    private readonly Lock _lock = new();
    private int _headLength;
    private long _total;

    /// <summary>Bytes seen in all, kept or not.</summary>
    public long Total
    {
        get { lock (_lock) return _total; }
    }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            var toHead = Math.Min(bytes.Length, Half - _headLength);
            bytes[..toHead].CopyTo(_head.AsSpan(_headLength));
            _headLength += toHead;
            var rest = bytes[toHead..];
            // The tail is a ring indexed by how many bytes went past the head: byte n lands at n % Half.
            foreach (var chunk in Chunks(rest))
            {
                var at = (int)((_total + toHead + chunk.Offset - Half) % Half);
                var first = Math.Min(chunk.Length, Half - at);
                rest.Slice(chunk.Offset, first).CopyTo(_tail.AsSpan(at));
                rest.Slice(chunk.Offset + first, chunk.Length - first).CopyTo(_tail);
            }
            _total += bytes.Length;
        }
    }

    /// <summary>Only the last <see cref="Half"/> bytes of a longer write can survive in the ring.</summary>
    private static IEnumerable<(int Offset, int Length)> Chunks(ReadOnlySpan<byte> rest) =>
        rest.Length == 0 ? [] : rest.Length <= Half ? [(0, rest.Length)] : [(rest.Length - Half, Half)];

    /// <summary>The output as text (invalid UTF-8 replaced), with a marker where bytes were left out.</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            if (_total <= Half) return Encoding.UTF8.GetString(_head, 0, _headLength);
            var pastHead = _total - Half;
            var tailLength = (int)Math.Min(pastHead, Half);
            var tail = new byte[tailLength];
            var start = (int)((pastHead - tailLength) % Half);
            for (var i = 0; i < tailLength; i++) tail[i] = _tail[(start + i) % Half];
            var omitted = pastHead - tailLength;
            var between = omitted > 0 ? $"\n[... {omitted} bytes of output left out ...]\n" : "";
            return Encoding.UTF8.GetString(_head) + between + Encoding.UTF8.GetString(tail);
        }
    }

    /// <summary>Copies <paramref name="stream"/> in until its end, or until <paramref name="ct"/> says to stop listening.</summary>
    public async Task ReadFromAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer, ct).ConfigureAwait(false) is var read and > 0)
                Add(buffer.AsSpan(0, read));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }
}
