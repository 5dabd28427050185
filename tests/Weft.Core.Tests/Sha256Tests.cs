using System.Text;
using Weft.Core.Hashing;

namespace Weft.Core.Tests;

/// <summary>
/// The managed SHA-256 must be SHA-256 bit for bit: every MAC and stable name an agent derived before must come out the
/// same. The OS's implementation (OpenSSL, through .NET) is the oracle.
/// </summary>
public class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Matches_the_published_test_vectors(string text, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(text))));

    [Fact]
    public void Matches_the_system_hash_for_every_length_across_the_padding_boundaries()
    {
        var random = new Random(26);
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), Sha256.HashData(data));
        }
    }

    [Fact]
    public void Writes_into_a_larger_destination_and_refuses_a_short_one()
    {
        var destination = new byte[40];
        Sha256.HashData("abc"u8, destination);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("abc"u8), destination[..32]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256.HashData("abc"u8, new byte[31]));
    }
}
