using PemCertState.Facts;
using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>One operation for <see cref="RemoteFileProgram"/>: what RemoteFiles.py's OPERATIONS table calls it, and its arguments.</summary>
/// <param name="Operation">read, write, chmod, chown, mkdir, create, append, delete, deleteif, rmtree, list, rmleftover, genkey, copy or sign.</param>
/// <param name="Owner">A user name (or uid), resolved on the host, where its users are.</param>
/// <param name="Content">Sent on stdin after the header; may be key bytes. For deleteif, the bytes the file must still hold.</param>
/// <param name="Proof">rmleftover: what the leftover must be for the program to remove it.</param>
/// <param name="Limit">read: the most bytes the file may hold; the program clamps it to its own hard maximum, and without it reads up to 8 MiB.</param>
/// <param name="Source">copy: the file on the same host to copy from.</param>
/// <param name="Sha256">copy, sign: what the source (or the signing key) must still hold, as pemstate saw it.</param>
/// <param name="Key">genkey: the kind of key openssl makes on the host.</param>
/// <param name="Digest">sign: sha256, sha384 or sha512.</param>
/// <param name="Unseal">read: send a private key's bytes rather than its hash and public half (the common-user pair only).</param>
/// <param name="Folder">genkey: make the key's folder first, with this mode, when it is missing.</param>
/// <param name="After">Run only if every request before it in the same run succeeded (<see cref="IHost.RunInOrderAsync"/>).</param>
internal sealed record RemoteFileRequest(string Operation, string Path, UnixFileMode? Mode = null, string? Owner = null, ReadOnlyMemory<byte>? Content = null, LeftoverProof? Proof = null,
    long? Limit = null, string? Source = null, string? Sha256 = null, KeySpec? Key = null, string? Digest = null, bool Unseal = false, bool After = false, UnixFileMode? Folder = null);
