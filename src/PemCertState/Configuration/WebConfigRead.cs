namespace PemCertState.Configuration;

/// <summary>What a web server config says inside PEM's block.</summary>
/// <param name="Block">Which block was taken as PEM's, for people ("&lt;VirtualHost *:8443&gt; at line 12"); null when none could be.</param>
/// <param name="Problem">Why no block could be taken (none, or several and nothing tells them apart); null when one was.</param>
/// <param name="Settings">Effective values of the directives asked for inside the block, unquoted; null when absent or only commented out.</param>
public sealed record WebConfigRead(string? Block, string? Problem, IReadOnlyDictionary<string, string?> Settings);
