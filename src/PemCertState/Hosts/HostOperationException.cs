namespace PemCertState.Hosts;

/// <summary>I/O on a host failed. The message names the host and the path; never file content.</summary>
public sealed class HostOperationException(string host, string path, string message, Exception? inner = null)
    : IOException($"{host}:{path}: {message}", inner)
{
    public string Host { get; } = host;
    public string PathOnHost { get; } = path;
}
