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
