using System.Buffers.Binary;

namespace Weft.Wire.Tests;

public class ChecksumTests
{
    [Fact]
    public void Rfc1071_example_sums_to_ddf2()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is ~ddf2 = 220d.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0x220d, InternetChecksum.Compute(data));
    }

    [Fact]
    public void Matches_a_word_by_word_reference_on_random_buffers_of_every_length()
    {
        var rng = new Random(7);
        for (var len = 0; len < 300; len++)
        {
            var data = new byte[len];
            rng.NextBytes(data);
            Assert.Equal(Reference(data), InternetChecksum.Compute(data));
        }
    }

    [Fact]
    public void A_buffer_with_its_checksum_inserted_verifies_to_zero()
    {
        var rng = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[20 + (2 * rng.Next(200))];
            rng.NextBytes(data);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), InternetChecksum.Compute(data));
            Assert.Equal(0, InternetChecksum.Compute(data));
        }
    }

    private static ushort Reference(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            var word = (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum += (uint)word;
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
