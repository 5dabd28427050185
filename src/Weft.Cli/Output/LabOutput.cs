using Weft.Lab;

namespace Weft.Cli.Output;

/// <summary>`weft lab status` for people.</summary>
internal static class LabOutput
{
    public static void Write(TextWriter o, LabState state, LabReport report)
    {
        o.WriteLine($"Lab:      {state.Name} ({(state.Routed ? "routed" : "flat")} underlay, MTU {state.Mtu})");
        o.WriteLine($"Store:    {state.StoreKind} {state.StoreUrl}  ({LabStoreControl.Describe(state)})");
        o.WriteLine();
        var hosts = new TextTable("HOST", "UNDERLAY", "AGENT PID", "AGENT", "STORE", "NETWORKS HERE", "SANDBOXES");
        foreach (var h in report.Hosts)
        {
            var agent = h.Agent is null ? (h.AgentRunning ? "not answering" : "stopped") : "up";
            var store = h.Agent is null ? "-" : h.Agent.StoreReachable ? "reachable" : "UNREACHABLE";
            hosts.AddRow(h.Host.Name, h.Host.Address, h.Host.AgentPid?.ToString() ?? "-", agent, store,
                h.Agent is null ? "-" : string.Join(",", h.Agent.ProgrammedNetworks), h.Agent?.Sandboxes.ToString() ?? "-");
        }
        hosts.WriteTo(o);
        o.WriteLine();
        if (report.Networks.Count == 0)
        {
            o.WriteLine(report.Hosts.Any(h => h.Agent is { StoreReachable: true }) ? "Networks: none" : "Networks: unknown (no agent reaches the store)");
            return;
        }
        var networks = new TextTable("NETWORK", "DRIVER", "SUBNET", "VNI", "ENDPOINTS");
        foreach (var n in report.Networks)
        {
            networks.AddRow(n.Name, n.Driver, string.Join(",", n.Subnets.Select(s => s.Subnet)), n.Vni?.ToString() ?? "-", n.Endpoints.ToString());
        }
        networks.WriteTo(o);
    }
}
