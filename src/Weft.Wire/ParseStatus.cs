namespace Weft.Wire;

/// <summary>
/// The outcome of parsing one header. Garbage from the wire is normal input, so every parser reports
/// what is wrong with a value instead of throwing.
/// </summary>
public enum ParseStatus
{
    Ok,
    /// <summary>The buffer ends before the header (or the length it declares) does.</summary>
    Truncated,
    /// <summary>A version field holds a value this parser does not speak (IPv4 header with version 6, …).</summary>
    BadVersion,
    /// <summary>A length field is impossible: smaller than the header, or larger than the packet around it.</summary>
    BadLength,
    /// <summary>The header parsed, but its checksum does not verify.</summary>
    BadChecksum,
    /// <summary>The header is well formed but not of a kind the caller asked for (e.g. VXLAN without the I flag).</summary>
    Unsupported,
}
