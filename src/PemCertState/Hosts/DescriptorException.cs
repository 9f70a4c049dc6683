using System.Runtime.InteropServices;

namespace PemCertState.Hosts;

/// <summary>A libc call on a descriptor failed; <see cref="Errno"/> says why, and the message names it (EROFS, ENOSPC...).</summary>
internal sealed class DescriptorException(string call, int errno)
    : IOException($"{call} failed: {Descriptors.Describe(errno)}")
{
    public int Errno { get; } = errno;

    public static DescriptorException Last(string call) => new(call, Marshal.GetLastPInvokeError());
}
