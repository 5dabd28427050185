using Weft.Api;

namespace Weft.Cli.Output;

/// <summary>Networks for people: the `network ls` table and the `network inspect` block.</summary>
internal static class NetworkOutput
{
    public static void WriteList(TextWriter writer, IEnumerable<NetworkSummary> networks)
    {
        var table = new TextTable("NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET", "VNI", "ENDPOINTS");
        foreach (var n in networks.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            table.AddRow(Display.ShortId(n.Id), n.Name, n.Driver, n.Scope, Display.Subnets(n.Subnets), Display.Number(n.Vni), Display.Number(n.Endpoints));
        }

        table.WriteTo(writer);
    }

    public static void WriteDetail(TextWriter writer, NetworkDetail network)
    {
        var block = new FieldBlock()
            .Add("Name", network.Name)
            .Add("ID", network.Id)
            .Add("Driver", network.Driver)
            .Add("Scope", network.Scope);
        if (network.Subnets.Count == 0)
        {
            block.Add("Subnet", null);
        }

        foreach (var subnet in network.Subnets)
        {
            block.Add("Subnet", subnet.Subnet).Add("Gateway", subnet.Gateway);
            if (subnet.IpRange is not null)
            {
                block.Add("IP range", subnet.IpRange);
            }
        }

        block.Add("VNI", Display.Number(network.Vni))
            .Add("MTU", Display.Number(network.Mtu))
            .Add("DNS", network.Dns)
            .Add("Internal", Display.YesNo(network.Internal))
            .Add("Options", Display.Pairs(network.Options))
            .Add("Labels", Display.Pairs(network.Labels))
            .Add("Created", Display.Time(network.CreatedAt))
            .Add("Endpoints", Display.Number(network.Endpoints.Count))
            .WriteTo(writer);
        if (network.Endpoints.Count == 0)
        {
            return;
        }

        writer.WriteLine();
        var table = new TextTable("HOST", "SANDBOX", "IP", "MAC", "INTERFACE", "ALIASES", "ENDPOINT ID");
        foreach (var e in network.Endpoints.OrderBy(e => e.Host, StringComparer.Ordinal).ThenBy(SandboxName, StringComparer.Ordinal))
        {
            table.AddRow(HostName(e), SandboxName(e), e.Address ?? Display.None, Display.Text(e.Mac), Display.Text(e.InterfaceName), Display.List(e.Aliases), Display.ShortId(e.Id));
        }

        table.WriteTo(writer);
    }

    /// <summary>A host whose lease has lapsed is marked, since its endpoints are no longer programmed elsewhere.</summary>
    internal static string HostName(EndpointView endpoint) => Display.HostWithState(endpoint.Host, endpoint.HostState, endpoint.HostAlive);

    /// <summary>The container's own name when Docker or CNI gave one, else the sandbox.</summary>
    internal static string SandboxName(EndpointView endpoint) => endpoint.ContainerName ?? Display.ShortId(endpoint.Sandbox);
}
