using Weft.Core.Errors;
using Weft.Core.Overlay;

namespace Weft.Core.Tests;

public class VniRulesTests
{
    [Fact]
    public void Automatic_allocation_starts_at_256_and_ends_at_the_24_bit_limit()
    {
        Assert.Equal(256, VniRules.AutomaticRange.Min);
        Assert.Equal(16_777_215, VniRules.AutomaticRange.Max);
        Assert.Equal(256, VniRules.First([]));
    }

    [Fact]
    public void Candidates_are_the_lowest_free_first()
    {
        Assert.Equal([257, 259, 261, 262], VniRules.Candidates([256, 258, 260, 7, 99999999, 258]).Take(4));
        Assert.Equal(258, VniRules.First([256, 257, 300]));
    }

    [Fact]
    public void Exhaustion_is_reported_exactly_when_the_range_is_full()
    {
        var range = new VniRange(1000, 1003);
        var taken = new List<int>();
        for (var i = 0; i < range.Count; i++)
        {
            taken.Add(VniRules.First(taken, range));
        }

        Assert.Equal([1000, 1001, 1002, 1003], taken);
        T.Rule(ErrorCodes.VniExhausted, () => VniRules.First(taken, range), "1000..1003");
    }

    [Fact]
    public void The_last_vni_can_be_handed_out_without_overflow()
    {
        var range = new VniRange(VniRules.MaxValid - 1, VniRules.MaxValid);
        Assert.Equal([VniRules.MaxValid - 1, VniRules.MaxValid], VniRules.Candidates([], range));
        Assert.Equal([VniRules.MaxValid], VniRules.Candidates([VniRules.MaxValid - 1], range));
    }

    [Fact]
    public void Random_taken_sets_never_yield_a_taken_or_out_of_range_vni()
    {
        var random = new Random(3);
        var range = new VniRange(256, 400);
        for (var round = 0; round < 200; round++)
        {
            var taken = Enumerable.Range(0, random.Next(0, 160)).Select(_ => random.Next(200, 420)).ToHashSet();
            var candidates = VniRules.Candidates(taken, range).ToList();
            var expected = Enumerable.Range(256, 145).Where(v => !taken.Contains(v)).ToList();
            Assert.Equal(expected, candidates);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(16_777_216)]
    public void Rejects_vnis_outside_24_bits(int vni) =>
        T.Rule(ErrorCodes.InvalidVni, () => VniRules.ValidateRequested(vni, new HashSet<int>()), vni.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData(1)] // below 256 is allowed when asked for by hand
    [InlineData(4096)]
    [InlineData(16_777_215)]
    public void Accepts_requested_vnis_in_range(int vni) => VniRules.ValidateRequested(vni, new HashSet<int> { 5000 });

    [Fact]
    public void Rejects_a_requested_vni_in_use() =>
        T.Rule(ErrorCodes.VniTaken, () => VniRules.ValidateRequested(5000, new HashSet<int> { 5000 }), "5000");

    [Fact]
    public void Ranges_must_lie_in_the_valid_span() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VniRange(0, 10));
}
