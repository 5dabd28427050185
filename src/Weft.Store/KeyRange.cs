using System.Text;

namespace Weft.Store;

/// <summary>Turns keys and prefixes into the half-open byte ranges both backends compare with.</summary>
internal static class KeyRange
{
    public static byte[] Encode(string key) => Encoding.UTF8.GetBytes(key);

    public static string Decode(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);

    /// <summary>
    /// The first key after every key that starts with <paramref name="prefix"/>: the prefix with its last byte below
    /// 0xff incremented and the rest cut. Null means "no upper bound" (an empty or all-0xff prefix), which etcd spells
    /// as a single zero byte.
    /// </summary>
    public static byte[]? PrefixEnd(byte[] prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xff)
            {
                var end = prefix.AsSpan(0, i + 1).ToArray();
                end[i]++;
                return end;
            }
        }
        return null;
    }
}
