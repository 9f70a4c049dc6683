using System.Runtime.InteropServices;

namespace PemCertState.Crypto;

/// <summary>
/// Random probable primes for RSA keys, searched with OpenSSL's own big-number code (libcrypto.so.3, the library .NET
/// uses for RSA on Linux) but tested with the number of Miller-Rabin rounds FIPS 186-5 asks for, not OpenSSL 3's.
/// <para>
/// OpenSSL 3.0 runs 64 rounds on every 1024-bit prime it keeps and 128 on larger ones, a worst-case count meant for
/// numbers an adversary chose. A prime searched from a random start is not such a number: FIPS 186-5, table B.1,
/// gives 5 rounds for the 1024-bit primes of a 2048-bit key (error probability at most 2^-112, the key's security
/// strength) and 4 rounds for primes of 1536 bits and more (2^-128 and below). OpenSSL 1.1.1 ran 3 and 2. Those final
/// rounds were most of a key's cost; the candidates that fail on their first round are the rest, and a sieve by every
/// odd prime below 2^16 keeps nine in ten of them from reaching a round at all.
/// </para>
/// <para>
/// The conditions are FIPS 186-5 B.3.3's: a random odd start from OpenSSL's private DRBG with its two top bits set (so
/// p ≥ √2·2^(k-1) and the modulus has exactly the asked size), gcd(p-1, e) = 1, and each round's base drawn
/// uniformly from [2, w-2], exactly as OpenSSL's own test draws it. Like OpenSSL's BN_generate_prime and B.3.6, the
/// search then walks upward from the start through a sieved window instead of drawing every candidate afresh. Candidates and exponents carry
/// BN_FLG_CONSTTIME so the exponentiations take OpenSSL's constant-time path, and every BIGNUM is cleared when freed.
/// </para>
/// </summary>
internal static unsafe partial class RsaPrimes
{
    private const string Library = "libcrypto.so.3";
    private const int BnFlagConstTime = 0x04;
    private const int TopTwoBits = 1;   // BN_RAND_TOP_TWO
    private const int BottomOdd = 1;    // BN_RAND_BOTTOM_ODD
    private const int Window = 2048;    // odd candidates sieved at once: about six primes' worth at 1024 bits

    [LibraryImport(Library)] private static partial IntPtr BN_new();
    [LibraryImport(Library)] private static partial void BN_clear_free(IntPtr number);
    [LibraryImport(Library)] private static partial void BN_set_flags(IntPtr number, int flags);
    [LibraryImport(Library)] private static partial IntPtr BN_CTX_new();
    [LibraryImport(Library)] private static partial void BN_CTX_free(IntPtr context);
    [LibraryImport(Library)] private static partial int BN_priv_rand(IntPtr result, int bits, int top, int bottom);
    [LibraryImport(Library)] private static partial int BN_priv_rand_range(IntPtr result, IntPtr range);
    [LibraryImport(Library)] private static partial ulong BN_mod_word(IntPtr number, ulong word);
    [LibraryImport(Library)] private static partial int BN_add_word(IntPtr number, ulong word);
    [LibraryImport(Library)] private static partial int BN_sub_word(IntPtr number, ulong word);
    [LibraryImport(Library)] private static partial IntPtr BN_copy(IntPtr to, IntPtr from);
    [LibraryImport(Library)] private static partial int BN_rshift(IntPtr result, IntPtr number, int shift);
    [LibraryImport(Library)] private static partial int BN_is_bit_set(IntPtr number, int bit);
    [LibraryImport(Library)] private static partial int BN_is_one(IntPtr number);
    [LibraryImport(Library)] private static partial int BN_cmp(IntPtr a, IntPtr b);
    [LibraryImport(Library)] private static partial int BN_num_bits(IntPtr number);
    [LibraryImport(Library)] private static partial int BN_bn2binpad(IntPtr number, byte* to, int length);
    [LibraryImport(Library)] private static partial IntPtr BN_bin2bn(byte* bytes, int length, IntPtr result);
    [LibraryImport(Library)] private static partial IntPtr BN_MONT_CTX_new();
    [LibraryImport(Library)] private static partial void BN_MONT_CTX_free(IntPtr montgomery);
    [LibraryImport(Library)] private static partial int BN_MONT_CTX_set(IntPtr montgomery, IntPtr modulus, IntPtr context);
    [LibraryImport(Library)] private static partial int BN_mod_exp_mont(IntPtr result, IntPtr a, IntPtr exponent, IntPtr modulus, IntPtr context, IntPtr montgomery);
    [LibraryImport(Library)] private static partial int BN_mod_mul(IntPtr result, IntPtr a, IntPtr b, IntPtr modulus, IntPtr context);

    private static volatile bool _unavailable;

    /// <summary>True once libcrypto.so.3 could not be used: keys then come from the platform generator.</summary>
    public static bool Unavailable => _unavailable;

    /// <summary>Odd primes below 2^16, the sieve's divisors.</summary>
    private static readonly ushort[] SmallPrimes = OddPrimesBelow(1 << 16);

    /// <summary>FIPS 186-5 table B.1, the column at or above the key's security strength.</summary>
    public static int RoundsFor(int primeBits) => primeBits < 1536 ? 5 : 4;

    /// <summary>
    /// Writes a probable prime of exactly <paramref name="bits"/> bits (two top bits set) with gcd(p-1, e) = 1 into
    /// <paramref name="prime"/> (big-endian, bits/8 bytes). False when libcrypto cannot be used; the caller then
    /// takes the platform generator.
    /// </summary>
    public static bool TryGenerate(int bits, ulong publicExponent, Span<byte> prime)
    {
        if (_unavailable) return false;
        try
        {
            using var search = new Search(bits);
            search.Find(publicExponent, RoundsFor(bits), prime);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            _unavailable = true;
            return false;
        }
    }

    /// <summary>Miller-Rabin with random bases, on OpenSSL's arithmetic (for tests and for checking a prime from elsewhere).</summary>
    public static bool IsProbablePrime(ReadOnlySpan<byte> candidate, int rounds)
    {
        using var search = new Search(candidate.Length * 8);
        fixed (byte* c = candidate)
            Check(BN_bin2bn(c, candidate.Length, search.Candidate) != IntPtr.Zero, "BN_bin2bn");
        return search.MillerRabin(rounds);
    }

    /// <summary>The BIGNUMs and context of one search, freed (and cleared) together.</summary>
    private sealed class Search : IDisposable
    {
        private readonly int _bits;
        private readonly IntPtr _context = BN_CTX_new();
        private readonly IntPtr _montgomery = BN_MONT_CTX_new();
        private readonly IntPtr _start = BN_new();
        public readonly IntPtr Candidate = BN_new();
        private readonly IntPtr _minusOne = BN_new();
        private readonly IntPtr _minusThree = BN_new();
        private readonly IntPtr _odd = BN_new();
        private readonly IntPtr _base = BN_new();
        private readonly IntPtr _z = BN_new();

        public Search(int bits)
        {
            _bits = bits;
            foreach (var handle in (ReadOnlySpan<IntPtr>)[_context, _montgomery, _start, Candidate, _minusOne, _minusThree, _odd, _base, _z])
                if (handle == IntPtr.Zero) throw new OutOfMemoryException("libcrypto could not allocate a BIGNUM");
            foreach (var secret in (ReadOnlySpan<IntPtr>)[_start, Candidate, _minusOne, _odd])
                BN_set_flags(secret, BnFlagConstTime);
        }

        public void Find(ulong publicExponent, int rounds, Span<byte> prime)
        {
            Span<bool> composite = stackalloc bool[Window];
            while (true)
            {
                Check(BN_priv_rand(_start, _bits, TopTwoBits, BottomOdd), "BN_priv_rand");
                Sieve(composite);
                var startModE = BN_mod_word(_start, publicExponent);
                for (var i = 0; i < Window; i++)
                {
                    if (composite[i]) continue;
                    var step = 2 * (ulong)i;
                    // gcd(p-1, e) = 1 for a prime e: p mod e ≠ 1.
                    if ((startModE + step) % publicExponent == 1) continue;
                    Check(BN_copy(Candidate, _start) != IntPtr.Zero && BN_add_word(Candidate, step) == 1, "BN_add_word");
                    if (BN_num_bits(Candidate) != _bits) break; // ran past 2^bits: draw again
                    if (!MillerRabin(rounds)) continue;
                    fixed (byte* p = prime)
                        Check(BN_bn2binpad(Candidate, p, prime.Length) == prime.Length, "BN_bn2binpad");
                    return;
                }
            }
        }

        /// <summary>composite[i] when start + 2i has an odd prime factor below 2^16.</summary>
        private void Sieve(Span<bool> composite)
        {
            composite.Clear();
            foreach (var divisor in SmallPrimes)
            {
                var remainder = (int)BN_mod_word(_start, divisor);
                // start + 2i ≡ 0 (mod d)  ⇔  i ≡ -remainder · 2⁻¹ (mod d), and 2⁻¹ = (d+1)/2.
                var first = (int)((ulong)((divisor - remainder) % divisor) * (ulong)((divisor + 1) / 2) % divisor);
                for (var i = first; i < composite.Length; i += divisor)
                    composite[i] = true;
            }
        }

        /// <summary>FIPS 186-5 B.3.1: <paramref name="rounds"/> rounds with bases drawn uniformly from [2, w-2].</summary>
        public bool MillerRabin(int rounds)
        {
            var w = Candidate;
            if (BN_num_bits(w) < 3 || BN_is_bit_set(w, 0) == 0) return false;
            Check(BN_copy(_minusOne, w) != IntPtr.Zero && BN_sub_word(_minusOne, 1) == 1, "BN_sub_word");
            Check(BN_copy(_minusThree, w) != IntPtr.Zero && BN_sub_word(_minusThree, 3) == 1, "BN_sub_word");
            var a = 1;
            while (BN_is_bit_set(_minusOne, a) == 0) a++;
            Check(BN_rshift(_odd, _minusOne, a), "BN_rshift");
            Check(BN_MONT_CTX_set(_montgomery, w, _context), "BN_MONT_CTX_set");

            for (var round = 0; round < rounds; round++)
            {
                Check(BN_priv_rand_range(_base, _minusThree) == 1 && BN_add_word(_base, 2) == 1, "BN_priv_rand_range");
                Check(BN_mod_exp_mont(_z, _base, _odd, w, _context, _montgomery), "BN_mod_exp_mont");
                if (BN_is_one(_z) == 1 || BN_cmp(_z, _minusOne) == 0) continue;
                var witnessed = true;
                for (var j = 1; j < a; j++)
                {
                    Check(BN_mod_mul(_z, _z, _z, w, _context), "BN_mod_mul");
                    if (BN_cmp(_z, _minusOne) == 0) { witnessed = false; break; }
                    if (BN_is_one(_z) == 1) break;
                }
                if (witnessed) return false;
            }
            return true;
        }

        public void Dispose()
        {
            foreach (var number in (ReadOnlySpan<IntPtr>)[_start, Candidate, _minusOne, _minusThree, _odd, _base, _z])
                if (number != IntPtr.Zero) BN_clear_free(number);
            if (_montgomery != IntPtr.Zero) BN_MONT_CTX_free(_montgomery);
            if (_context != IntPtr.Zero) BN_CTX_free(_context);
        }
    }

    private static void Check(bool ok, string function)
    {
        if (!ok) throw new InvalidOperationException($"libcrypto {function} failed while searching for an RSA prime");
    }

    private static void Check(int result, string function) => Check(result == 1, function);

    private static ushort[] OddPrimesBelow(int limit)
    {
        var crossed = new bool[limit];
        var primes = new List<ushort>(6600);
        for (var n = 3; n < limit; n += 2)
        {
            if (crossed[n]) continue;
            primes.Add((ushort)n);
            for (var m = (long)n * n; m < limit; m += 2 * n)
                crossed[m] = true;
        }
        return [.. primes];
    }
}
