namespace PemCertState.Facts;

/// <summary>What a leftover is, as lstat says: never the target of a link.</summary>
public enum LeftoverKind
{
    Regular,
    Folder,
    Link,
    /// <summary>A FIFO, socket or device.</summary>
    Other,
}
