using Weft.Core.Hashing;
using System.Text;

namespace Weft.Core.Naming;

/// <summary>
/// A short hash that is the same in every process and on every host. string.GetHashCode is
/// randomized per process, so it can never name something another agent must recompute.
/// </summary>
internal static class StableHash
{
    /// <summary>The first 4 bytes of SHA-256 of the UTF-8 text, as 8 lowercase hex digits.</summary>
    public static string Hex8(string text)
    {
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
