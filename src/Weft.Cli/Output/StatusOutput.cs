using System.Globalization;
using Weft.Api;

namespace Weft.Cli.Output;

/// <summary>`weft status` for people: this agent, and whether it can reach the cluster store.</summary>
internal static class StatusOutput
{
    public static void Write(TextWriter writer, AgentStatus status) =>
        new FieldBlock()
            .Add("Host", status.Host)
            .Add("Host ID", status.HostId)
            .Add("Underlay", status.UnderlayAddress)
            .Add("Incarnation", status.Incarnation.ToString(CultureInfo.InvariantCulture))
            .Add("Version", status.Version)
            .Add("Started", Display.Time(status.StartedAt))
            .Add("Store", status.Store)
            .Add("Store reachable", status.StoreReachable ? "yes" : $"no: {status.StoreError ?? "no answer"}")
            .Add("Store revision", status.StoreRevision.ToString(CultureInfo.InvariantCulture))
            .Add("Live hosts", Display.Number(status.LiveHosts))
            .Add("Sandboxes", Display.Number(status.Sandboxes))
            .Add("Networks here", Display.List(status.ProgrammedNetworks))
            .WriteTo(writer);
}
