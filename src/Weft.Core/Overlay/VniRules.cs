using Weft.Core.Errors;

namespace Weft.Core.Overlay;

/// <summary>An inclusive range of VXLAN network identifiers.</summary>
public readonly record struct VniRange
{
    public VniRange(int min, int max)
    {
        if (min < VniRules.MinValid || max > VniRules.MaxValid || min > max)
        {
            throw new ArgumentOutOfRangeException(nameof(min), $"VNI range {min}..{max} must lie within {VniRules.MinValid}..{VniRules.MaxValid}");
        }

        Min = min;
        Max = max;
    }

    public int Min { get; }

    public int Max { get; }

    public int Count => Max - Min + 1;

    public bool Contains(int vni) => vni >= Min && vni <= Max;

    public override string ToString() => $"{Min}..{Max}";
}

/// <summary>
/// VNI rules. The wire field is 24 bits, so 16777215 is the largest VNI. Automatic allocation
/// starts at 256 and goes lowest-free-first; 1..255 are left for people who pick a VNI by hand to
/// meet a VXLAN that Weft did not make, so the two never collide. 0 is never used: several
/// switches and kernels treat it as "no VNI".
/// </summary>
public static class VniRules
{
    public const int MinValid = 1;
    public const int MaxValid = (1 << 24) - 1;
    public const int FirstAutomatic = 256;

    public static VniRange AutomaticRange { get; } = new(FirstAutomatic, MaxValid);

    /// <exception cref="WeftValidationException">invalid-vni when out of 1..16777215.</exception>
    public static void Validate(int vni)
    {
        if (vni is < MinValid or > MaxValid)
        {
            throw new WeftValidationException(ErrorCodes.InvalidVni, $"VNI {vni} is out of range: a VNI is a 24-bit number from {MinValid} to {MaxValid}");
        }
    }

    /// <summary>Checks a VNI a user asked for: in range and not used by another network.</summary>
    public static void ValidateRequested(int vni, IReadOnlySet<int> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        Validate(vni);
        if (taken.Contains(vni))
        {
            throw new WeftValidationException(ErrorCodes.VniTaken, $"VNI {vni} is already used by another network");
        }
    }

    /// <summary>
    /// Free VNIs in the order to try them, lowest first, lazily. The caller claims each with
    /// create-if-absent in the store and moves on when another agent won the race.
    /// </summary>
    public static IEnumerable<int> Candidates(IEnumerable<int> taken, VniRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(taken);
        var within = range ?? AutomaticRange;
        var sorted = taken.Where(within.Contains).Distinct().Order().ToArray();
        return Walk(within, sorted);

        static IEnumerable<int> Walk(VniRange within, int[] sorted)
        {
            var next = within.Min;
            foreach (var used in sorted)
            {
                for (; next < used; next++)
                {
                    yield return next;
                }

                next = used + 1;
            }

            for (; next <= within.Max && next > 0; next++)
            {
                yield return next;
            }
        }
    }

    /// <exception cref="WeftValidationException">vni-exhausted when every VNI of the range is taken.</exception>
    public static int First(IEnumerable<int> taken, VniRange? range = null)
    {
        foreach (var vni in Candidates(taken, range))
        {
            return vni;
        }

        throw new WeftValidationException(ErrorCodes.VniExhausted, $"no free VNI: all of {range ?? AutomaticRange} are in use");
    }
}
