using System.Runtime.InteropServices;

namespace Weft.Linux.Packets;

/// <summary>One classic BPF instruction, laid out as struct sock_filter (linux/filter.h): code, jt, jf, k.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SocketFilterInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K)
{
    // Opcode parts from linux/bpf_common.h and linux/filter.h.
    internal const ushort Ld = 0x00;
    internal const ushort Ldx = 0x01;
    internal const ushort Jmp = 0x05;
    internal const ushort Ret = 0x06;
    internal const ushort W = 0x00;
    internal const ushort H = 0x08;
    internal const ushort B = 0x10;
    internal const ushort Abs = 0x20;
    internal const ushort Ind = 0x40;
    internal const ushort Msh = 0xa0;
    internal const ushort Jeq = 0x10;
    internal const ushort Jset = 0x40;
    internal const ushort KSource = 0x00;

    public override string ToString() => $"{{ 0x{Code:x2}, {JumpTrue}, {JumpFalse}, 0x{K:x8} }}";
}

/// <summary>
/// A classic BPF program for SO_ATTACH_FILTER. The kernel runs it on every frame before it is queued to the
/// socket, so frames the capture does not want never cost a copy, a wake-up or buffer space.
/// </summary>
public sealed class SocketFilter
{
    /// <summary>The kernel's limit, BPF_MAXINSNS.</summary>
    public const int MaxInstructions = 4096;

    internal SocketFilter(SocketFilterInstruction[] instructions) => Instructions = instructions;

    public IReadOnlyList<SocketFilterInstruction> Instructions { get; }

    /// <summary>
    /// Accepts IPv4 UDP datagrams to <paramref name="port"/> (the first fragment, which holds the UDP header):
    /// the program <c>tcpdump -dd 'ip and udp dst port 4789'</c> prints, less its IPv6 branch.
    /// </summary>
    public static SocketFilter Ipv4UdpDestinationPort(ushort port, uint snapLength = 262144)
    {
        const ushort etherTypeIpv4 = 0x0800;
        const byte udp = 17;
        var b = new SocketFilterBuilder();
        b.LoadHalf(12);                               // EtherType
        b.JumpIfEqual(etherTypeIpv4, null, "reject");
        b.LoadByte(14 + 9);                           // IPv4 protocol
        b.JumpIfEqual(udp, null, "reject");
        b.LoadHalf(14 + 6);                           // flags and fragment offset
        b.JumpIfAnySet(0x1fff, "reject", null);       // a later fragment has no UDP header
        b.LoadIpv4HeaderLength(14);                   // X = IHL * 4
        b.LoadHalfIndexed(14 + 2);                    // UDP destination port at X + 14 + 2
        b.JumpIfEqual(port, null, "reject");
        b.Return(snapLength);
        b.Label("reject");
        b.Return(0);
        return b.Build();
    }

    /// <summary>Runs the program on <paramref name="frame"/> as the kernel would: how many bytes it keeps (0: dropped).</summary>
    public uint Run(ReadOnlySpan<byte> frame)
    {
        uint a = 0, x = 0;
        var pc = 0;
        while (pc < Instructions.Count)
        {
            var i = Instructions[pc];
            var mode = i.Code & 0xe0;
            var size = i.Code & 0x18;
            switch (i.Code & 0x07)
            {
                case SocketFilterInstruction.Ld:
                    var offset = mode == SocketFilterInstruction.Ind ? (long)x + i.K : i.K;
                    if (!TryLoad(frame, offset, size, out a))
                    {
                        return 0;
                    }
                    break;
                case SocketFilterInstruction.Ldx when mode == SocketFilterInstruction.Msh:
                    if (i.K >= frame.Length)
                    {
                        return 0;
                    }
                    x = (uint)(frame[(int)i.K] & 0xf) * 4;
                    break;
                case SocketFilterInstruction.Jmp:
                    var taken = (i.Code & 0xf0) switch
                    {
                        SocketFilterInstruction.Jeq => a == i.K,
                        SocketFilterInstruction.Jset => (a & i.K) != 0,
                        _ => throw new NotSupportedException($"BPF jump 0x{i.Code:x2}"),
                    };
                    pc += taken ? i.JumpTrue : i.JumpFalse;
                    break;
                case SocketFilterInstruction.Ret:
                    return i.K;
                default:
                    throw new NotSupportedException($"BPF instruction 0x{i.Code:x2}");
            }
            pc++;
        }
        return 0;
    }

    private static bool TryLoad(ReadOnlySpan<byte> frame, long offset, int size, out uint value)
    {
        value = 0;
        var width = size switch { SocketFilterInstruction.B => 1, SocketFilterInstruction.H => 2, _ => 4 };
        if (offset < 0 || offset + width > frame.Length)
        {
            return false;
        }
        var o = (int)offset;
        value = width switch
        {
            1 => frame[o],
            2 => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame[o..]),
            _ => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame[o..]),
        };
        return true;
    }
}

/// <summary>
/// Writes a classic BPF program with named labels instead of hand-counted jump offsets. Jumps go forward only, as
/// classic BPF requires; a null target means "the next instruction".
/// </summary>
public sealed class SocketFilterBuilder
{
    private readonly List<(SocketFilterInstruction Instruction, string? True, string? False)> _code = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);

    /// <summary>A = the byte at an absolute offset of the frame.</summary>
    public SocketFilterBuilder LoadByte(uint offset) => Emit(SocketFilterInstruction.Ld | SocketFilterInstruction.B | SocketFilterInstruction.Abs, offset);

    /// <summary>A = the big-endian 16-bit word at an absolute offset.</summary>
    public SocketFilterBuilder LoadHalf(uint offset) => Emit(SocketFilterInstruction.Ld | SocketFilterInstruction.H | SocketFilterInstruction.Abs, offset);

    /// <summary>A = the big-endian 32-bit word at an absolute offset.</summary>
    public SocketFilterBuilder LoadWord(uint offset) => Emit(SocketFilterInstruction.Ld | SocketFilterInstruction.W | SocketFilterInstruction.Abs, offset);

    /// <summary>A = the big-endian 16-bit word at X + offset.</summary>
    public SocketFilterBuilder LoadHalfIndexed(uint offset) => Emit(SocketFilterInstruction.Ld | SocketFilterInstruction.H | SocketFilterInstruction.Ind, offset);

    /// <summary>X = 4 * (the byte at offset &amp; 0xf): the IPv4 header length, BPF's one special-purpose load.</summary>
    public SocketFilterBuilder LoadIpv4HeaderLength(uint offset) => Emit(SocketFilterInstruction.Ldx | SocketFilterInstruction.B | SocketFilterInstruction.Msh, offset);

    public SocketFilterBuilder JumpIfEqual(uint k, string? whenTrue, string? whenFalse) =>
        Emit(SocketFilterInstruction.Jmp | SocketFilterInstruction.Jeq | SocketFilterInstruction.KSource, k, whenTrue, whenFalse);

    public SocketFilterBuilder JumpIfAnySet(uint mask, string? whenTrue, string? whenFalse) =>
        Emit(SocketFilterInstruction.Jmp | SocketFilterInstruction.Jset | SocketFilterInstruction.KSource, mask, whenTrue, whenFalse);

    /// <summary>Ends the program: keep this many bytes of the frame (0 drops it).</summary>
    public SocketFilterBuilder Return(uint bytes) => Emit(SocketFilterInstruction.Ret | SocketFilterInstruction.KSource, bytes);

    /// <summary>Names the position of the next instruction.</summary>
    public SocketFilterBuilder Label(string name)
    {
        if (!_labels.TryAdd(name, _code.Count))
        {
            throw new InvalidOperationException($"BPF label '{name}' is defined twice");
        }
        return this;
    }

    public SocketFilter Build()
    {
        if (_code.Count is 0 or > SocketFilter.MaxInstructions)
        {
            throw new InvalidOperationException($"a BPF program has 1..{SocketFilter.MaxInstructions} instructions, not {_code.Count}");
        }
        var result = new SocketFilterInstruction[_code.Count];
        for (var pc = 0; pc < _code.Count; pc++)
        {
            var (i, t, f) = _code[pc];
            result[pc] = i with { JumpTrue = Offset(pc, t), JumpFalse = Offset(pc, f) };
        }
        return new SocketFilter(result);
    }

    private byte Offset(int pc, string? label)
    {
        if (label is null)
        {
            return 0;
        }
        if (!_labels.TryGetValue(label, out var target))
        {
            throw new InvalidOperationException($"BPF label '{label}' is not defined");
        }
        var offset = target - pc - 1;
        return offset is >= 0 and <= byte.MaxValue
            ? (byte)offset
            : throw new InvalidOperationException($"BPF jump to '{label}' must go 0..255 instructions forward, not {offset}");
    }

    private SocketFilterBuilder Emit(int code, uint k, string? whenTrue = null, string? whenFalse = null)
    {
        _code.Add((new SocketFilterInstruction((ushort)code, 0, 0, k), whenTrue, whenFalse));
        return this;
    }
}
