using System.Diagnostics;

namespace PemCertState.Tests.Support;

/// <summary>
/// Reads a key file the way PEM's sslutils extension reads ca_key.key (openssl_csr_to_crt, openssl_rsa_generate_crl):
/// fopen, then PEM_read_RSAPrivateKey from the system's libcrypto.so.3, through Python's ctypes so that no headers
/// or compiler are needed. The key never leaves the child process; only the verdict comes back.
/// </summary>
internal static class Sslutils
{
    private const string Reader = """
        import ctypes, sys
        libc = ctypes.CDLL(None)
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libc.fclose.argtypes = [ctypes.c_void_p]
        crypto = ctypes.CDLL("libcrypto.so.3")
        crypto.PEM_read_RSAPrivateKey.restype = ctypes.c_void_p
        crypto.PEM_read_RSAPrivateKey.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        crypto.RSA_check_key.argtypes = [ctypes.c_void_p]
        crypto.RSA_bits.argtypes = [ctypes.c_void_p]
        crypto.RSA_free.argtypes = [ctypes.c_void_p]
        f = libc.fopen(sys.argv[1].encode(), b"r")
        if not f:
            print("fopen failed"); sys.exit(3)
        rsa = crypto.PEM_read_RSAPrivateKey(f, None, None, None)
        libc.fclose(f)
        if not rsa:
            print("PEM_read_RSAPrivateKey returned NULL"); sys.exit(1)
        check = crypto.RSA_check_key(rsa)
        print(f"RSA_check_key={check} bits={crypto.RSA_bits(rsa)}")
        crypto.RSA_free(rsa)
        sys.exit(0 if check == 1 else 2)
        """;

    /// <returns>Exit code 0 when PEM_read_RSAPrivateKey returned an RSA key and RSA_check_key said 1; the reader's one line.</returns>
    public static (int ExitCode, string Output) ReadRsaPrivateKey(string keyFile)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Reader);
        start.ArgumentList.Add(keyFile);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, (output.Result + error.Result).Trim());
    }
}
