using BenchmarkDotNet.Attributes;
using Weft.Wire;

namespace Weft.Bench.Wire;

/// <summary>Per-packet cost of the two hot paths: decoding an underlay frame, and building one.</summary>
[MemoryDiagnoser]
public class WireBenchmarks
{
    private readonly byte[] _inner = SampleFrames.InnerUdp(1450 - EthernetHeader.Length);
    private readonly VxlanTunnel _tunnel = SampleFrames.Tunnel;
    private byte[] _outer = [];
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _outer = new byte[_inner.Length + VxlanHeader.OverheadV4];
        _tunnel.Encapsulate(_inner, _outer);
        _buffer = new byte[_outer.Length];
    }

    /// <summary>Outer Ethernet/IPv4 (checksum verified)/UDP, VXLAN, inner Ethernet/IPv4 (checksum verified)/UDP.</summary>
    [Benchmark]
    public int DecapParse() => VxlanFrame.Decode(_outer).Inner.DestinationPort;

    /// <summary>Outer headers with IPv4 checksum and flow-hash source port, plus the copy of the 1450-byte inner frame.</summary>
    [Benchmark]
    public int EncapBuild() => _tunnel.Encapsulate(_inner, _buffer);
}
