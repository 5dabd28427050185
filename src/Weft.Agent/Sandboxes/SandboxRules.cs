using Weft.Cluster;
using Weft.Core.Errors;
using Weft.Core.Model;
using Weft.Core.Naming;

namespace Weft.Agent.Sandboxes;

/// <summary>The rules a sandbox request must follow before anything is written or built. Pure: unit-tested from records.</summary>
public static class SandboxRules
{
    /// <summary>
    /// Whether the sandbox lives in its host's namespace (it was made on a host network), told by its namespace's name
    /// alone, so that it holds for records of any host and after any restart.
    /// </summary>
    public static bool SharesHostNamespace(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return KernelNames.TryParseHostNamespaceName(Path.GetFileName(sandbox.NetworkNamespace), out _);
    }

    /// <summary>The name, hostname and --add-host entries of a new sandbox, and its networks named once each.</summary>
    public static IReadOnlyList<HostEntry> Validate(string name, string? hostname, IReadOnlyList<string> extraHosts, IReadOnlyList<string> networks)
    {
        ArgumentNullException.ThrowIfNull(extraHosts);
        ArgumentNullException.ThrowIfNull(networks);
        NameRules.ValidateSandboxName(name);
        if (hostname is not null)
        {
            NameRules.ValidateHostName(hostname);
        }
        if (networks.Distinct(StringComparer.Ordinal).Count() != networks.Count)
        {
            throw new WeftValidationException(ErrorCodes.BadRequest, "a network is listed twice");
        }
        return [.. extraHosts.Select(HostEntry.Parse)];
    }

    /// <summary>
    /// The DNS names a sandbox brings to each network it joins must not shadow others' (Docker lets them, and which
    /// answer a query then gets depends on the order of its records). Refused here, where the clash is visible:
    /// <list type="bullet">
    /// <item>an alias given twice (DNS is case-insensitive, so "Web" and "web" are the same alias): invalid-alias;</item>
    /// <item>an alias of the form NAME.NETWORK for a network of the cluster, which is the way to name a sandbox on that
    /// network: invalid-alias;</item>
    /// <item>an alias that is the name of a container on that network, or the sandbox's name when it is an alias there
    /// already: duplicate.</item>
    /// </list>
    /// The store transaction refuses an alias naming any sandbox (EndpointCatalog), and DNS answers names before aliases,
    /// so two requests racing each other still leave one defined answer.
    /// </summary>
    public static void RequireNamesFree(string sandboxName, IReadOnlyList<(NetworkRecord Network, IReadOnlyList<string> Aliases)> joins, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(joins);
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var (network, aliases) in joins)
        {
            var repeated = aliases.GroupBy(a => a, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null)
            {
                throw new WeftValidationException(ErrorCodes.InvalidAlias, $"alias '{repeated.Key}' is given twice for network '{network.Name}'");
            }
            foreach (var alias in aliases)
            {
                var dot = alias.LastIndexOf('.');
                if (dot > 0 && snapshot.Networks.Keys.FirstOrDefault(n => string.Equals(n, alias[(dot + 1)..], StringComparison.OrdinalIgnoreCase)) is { } qualified)
                {
                    throw new WeftValidationException(ErrorCodes.InvalidAlias,
                        $"alias '{alias}' has the form NAME.NETWORK of network '{qualified}', which names the sandbox '{alias[..dot]}' there; choose an alias that does not end in a network's name");
                }
            }
            foreach (var other in snapshot.EndpointsOf(network.Id))
            {
                if (other.ContainerName is { } name && aliases.FirstOrDefault(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)) is { } shadowing)
                {
                    throw new WeftValidationException(ErrorCodes.Duplicate, $"alias '{shadowing}' is the name of container '{name}' on network '{network.Name}', which it would shadow in DNS");
                }
                if (other.Aliases.FirstOrDefault(a => string.Equals(a, sandboxName, StringComparison.OrdinalIgnoreCase)) is { } taken)
                {
                    var owner = other.ContainerName is null ? "another endpoint" : $"'{other.ContainerName}'";
                    throw new WeftValidationException(ErrorCodes.Duplicate, $"sandbox name '{sandboxName}' is an alias of {owner} on network '{network.Name}' already; choose another name or remove that alias");
                }
            }
        }
    }

    /// <summary>
    /// The published ports of a new sandbox, checked and normalized (0.0.0.0 is no host address). They are forwarded to
    /// the network that carries its default route (its first network that is not internal), so that network must lead
    /// out of the host (<paramref name="reachesOutside"/>: an overlay or bridge, not a host or null network).
    /// </summary>
    public static IReadOnlyList<PortMapping> ValidatePorts(string name, IReadOnlyList<PortMapping> ports, IReadOnlyList<NetworkRecord> networks, Func<NetworkRecord, bool> reachesOutside)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(reachesOutside);
        if (ports.Count == 0)
        {
            return [];
        }
        foreach (var p in ports)
        {
            p.Validate();
        }
        var normalized = ports.Select(p => p.Normalized()).ToList();
        if (normalized.GroupBy(p => (p.Protocol, p.HostPort)).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new WeftValidationException(ErrorCodes.PortTaken, $"sandbox '{name}' publishes host port {twice.Key.HostPort}/{twice.Key.Protocol} twice");
        }
        var carrier = networks.FirstOrDefault(n => !n.Internal);
        if (carrier is null || !reachesOutside(carrier))
        {
            var why = carrier is null
                ? networks.Count == 0 ? "it is on no network" : "all its networks are internal"
                : $"its first network that is not internal, '{carrier.Name}', is a {carrier.Driver.ToString().ToLowerInvariant()} network";
            throw new WeftValidationException(ErrorCodes.InvalidPort, $"sandbox '{name}' cannot publish ports: {why} (ports go to an overlay or bridge network that reaches outside)");
        }
        return normalized;
    }

    /// <summary>
    /// A sandbox on a host network lives in the host's namespace and one on a null network has loopback only, so either
    /// is on that network alone (Docker: "conflicting options: cannot attach both user-defined and non-user-defined
    /// network-modes").
    /// </summary>
    public static void RequireCompatible(IReadOnlyList<NetworkRecord> networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (networks.Count < 2 || networks.FirstOrDefault(n => n.Driver.IsExclusive()) is not { } exclusive)
        {
            return;
        }
        var others = string.Join(", ", networks.Where(n => n != exclusive).Select(n => $"'{n.Name}'"));
        throw new WeftValidationException(ErrorCodes.NetworkConflict, exclusive.Driver == NetworkDriver.Host
            ? $"network '{exclusive.Name}' uses the host driver: a sandbox sharing the host's network namespace cannot be on other networks too ({others})"
            : $"network '{exclusive.Name}' uses the null driver (loopback only): a sandbox on it cannot be on other networks too ({others})");
    }

    /// <summary>The same rule for a running sandbox, and: only `run` puts a sandbox in the host's namespace, never `connect`.</summary>
    public static void RequireConnectable(SandboxRecord sandbox, NetworkRecord network, IReadOnlyList<EndpointRecord> current, Func<string, NetworkRecord?> networkById)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(networkById);
        if (current.Any(e => e.NetworkId == network.Id))
        {
            throw new WeftValidationException(ErrorCodes.Duplicate, $"sandbox '{sandbox.Name}' is already connected to network '{network.Name}'");
        }
        string? problem = null;
        if (SharesHostNamespace(sandbox))
        {
            problem = $"sandbox '{sandbox.Name}' shares the host's network namespace, so it cannot be connected to other networks";
        }
        else if (network.Driver == NetworkDriver.Host)
        {
            problem = $"network '{network.Name}' uses the host driver, and sandbox '{sandbox.Name}' has a network namespace of its own; only `weft run --net {network.Name}` makes a sandbox that shares the host's";
        }
        else if (network.Driver == NetworkDriver.Null && current.Count > 0)
        {
            problem = $"network '{network.Name}' uses the null driver (loopback only), and sandbox '{sandbox.Name}' is on {string.Join(", ", current.Select(e => $"'{e.NetworkName}'"))}; disconnect it first";
        }
        else if (current.FirstOrDefault(e => networkById(e.NetworkId)?.Driver == NetworkDriver.Null) is { } lonely)
        {
            problem = $"sandbox '{sandbox.Name}' is on null network '{lonely.NetworkName}' (loopback only); disconnect it from there first";
        }
        if (problem is not null)
        {
            throw new WeftValidationException(ErrorCodes.NetworkConflict, problem);
        }
    }

    /// <summary>A sandbox on a host network stays in the host's namespace whatever the store says: Docker refuses this too.</summary>
    public static void RequireDisconnectable(SandboxRecord sandbox, string networkName)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        if (SharesHostNamespace(sandbox))
        {
            throw new WeftValidationException(ErrorCodes.NetworkConflict,
                $"sandbox '{sandbox.Name}' shares the host's network namespace, so it cannot leave network '{networkName}'; remove the sandbox instead");
        }
    }
}
