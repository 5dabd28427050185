using System.Net;
using Weft.Core.Addressing;

namespace Weft.Core.Model;

/// <summary>This host's side of the underlay: the VTEP address, the device that holds it, its MTU, and the host's routes.</summary>
public sealed record Underlay(IPAddress Address, string Device, int Mtu, IReadOnlyList<IpNetwork> Routes);

/// <summary>
/// Who a host is, as its agent knows it at start: the stable id (kept in its state directory), the name it carries in
/// the cluster and in kernel object names, and its underlay. The control plane registers it, the data plane builds
/// with it, and the agent hands the same value to both.
/// </summary>
public sealed record HostIdentity(string Id, string Name, Underlay Underlay);
