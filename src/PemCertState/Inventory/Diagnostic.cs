namespace PemCertState.Inventory;

/// <summary>A user mistake in the inventory, located in its file. Collected, never thrown.</summary>
internal sealed record Diagnostic(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
