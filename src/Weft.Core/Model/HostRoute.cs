using Weft.Core.Addressing;

namespace Weft.Core.Model;

/// <summary>One route a host published with its host record, named by the host it belongs to.</summary>
public sealed record HostRoute(string Host, IpNetwork Destination);
