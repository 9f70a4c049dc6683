namespace PemCertState.Configuration;

/// <summary>A directive line directly inside a block (not in a nested section). Arguments are unquoted.</summary>
internal sealed record WebDirective(int Line, string Name, IReadOnlyList<string> Arguments, bool Commented);
