namespace Weft.Wire;

/// <summary>
/// A frame seen on the underlay: the outer layers, and when it is VXLAN, the VNI and the inner frame's layers.
/// Offsets in <see cref="Inner"/> are relative to <see cref="InnerOffset"/>.
/// </summary>
public struct VxlanFrame
{
    public FrameLayers Outer { get; private set; }
    public bool IsVxlan { get; private set; }
    public int Vni { get; private set; }
    public int InnerOffset { get; private set; }
    public FrameLayers Inner { get; private set; }
    /// <summary>Ok when the VXLAN header parsed, or the frame was not VXLAN at all; otherwise why it did not.</summary>
    public ParseStatus VxlanStatus { get; private set; }

    /// <summary>Decodes an underlay frame. UDP to <paramref name="vxlanPort"/> is taken as VXLAN.</summary>
    public static VxlanFrame Decode(ReadOnlySpan<byte> frame, ushort vxlanPort = VxlanHeader.DefaultPort)
    {
        var f = new VxlanFrame { Outer = FrameLayers.Decode(frame) };
        var outer = f.Outer;
        if (outer.Depth < Layer.Transport || outer.Protocol != IpProtocols.Udp || outer.DestinationPort != vxlanPort)
        {
            return f;
        }
        var payload = frame.Slice(outer.PayloadOffset, outer.PayloadLength);
        f.VxlanStatus = VxlanHeader.TryParse(payload, out var vxlan);
        if (f.VxlanStatus != ParseStatus.Ok)
        {
            return f;
        }
        f.IsVxlan = true;
        f.Vni = vxlan.Vni;
        f.InnerOffset = outer.PayloadOffset + VxlanHeader.Length;
        f.Inner = FrameLayers.Decode(payload[VxlanHeader.Length..]);
        return f;
    }
}
