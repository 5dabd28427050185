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
            .Add("Cluster", status.ClusterId ?? Display.None)
            .Add("Store reachable", StoreReachable(status))
            .Add("Store revision", status.StoreRevision.ToString(CultureInfo.InvariantCulture))
            .Add("Live hosts", Display.Number(status.LiveHosts))
            .Add("Held hosts", status.HeldHosts is { Count: > 0 } held ? Display.List(held) : Display.None)
            .Add("Sandboxes", Display.Number(status.Sandboxes))
            .Add("Networks here", Display.List(status.ProgrammedNetworks))
            .WriteTo(writer);

    /// <summary>"yes", or "no" with since when and why: an outage's length is what an operator asks first.</summary>
    public static string StoreReachable(AgentStatus status) => status.StoreReachable ? "yes"
        : $"no{(status.StoreUnreachableSince is { } since ? $", since {Display.Time(since)}" : "")}: {status.StoreError ?? "no answer"}";
}
