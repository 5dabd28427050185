using Weft.Api;

namespace Weft.Cli.Output;

/// <summary>Sandboxes for people: the `ps` table and the `inspect` block.</summary>
internal static class SandboxOutput
{
    /// <summary>Long enough to recognise a command, short enough to keep a `ps` row on one line.</summary>
    private const int CommandWidth = 30;

    public static void WriteList(TextWriter writer, IEnumerable<SandboxDetail> sandboxes)
    {
        var table = new TextTable("SANDBOX ID", "NAME", "HOST", "STATE", "PID", "NETWORKS", "PORTS", "COMMAND");
        foreach (var s in sandboxes.OrderBy(s => s.Host, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            table.AddRow(
                Display.ShortId(s.Id),
                s.Name,
                Display.HostWithState(s.Host, s.HostState, alive: true),
                s.State,
                Display.Number(s.Pid),
                Networks(s),
                Display.List((s.Ports ?? []).Select(p => p.ToString())),
                Display.Truncate(Display.CommandLine(s.Command), CommandWidth));
        }

        table.WriteTo(writer);
    }

    /// <summary>`net=ip, net=ip` in interface order, so eth0's network comes first.</summary>
    internal static string Networks(SandboxDetail sandbox) =>
        Display.List(sandbox.Endpoints
            .OrderBy(e => e.InterfaceName, StringComparer.Ordinal)
            .Select(e => e.Address is null ? e.Network : $"{e.Network}={e.Address}"));

    public static void WriteDetail(TextWriter writer, SandboxDetail sandbox)
    {
        new FieldBlock()
            .Add("Name", sandbox.Name)
            .Add("ID", sandbox.Id)
            .Add("Host", $"{Display.HostWithState(sandbox.Host, sandbox.HostState, alive: true)} ({Display.ShortId(sandbox.HostId)})")
            .Add("Hostname", sandbox.Hostname)
            .Add("State", sandbox.State)
            .Add("PID", Display.Number(sandbox.Pid))
            .Add("Command", Display.CommandLine(sandbox.Command))
            .Add("Created", Display.Time(sandbox.CreatedAt))
            .Add("Network namespace", sandbox.NetworkNamespace)
            .Add("UTS namespace", sandbox.UtsNamespace)
            .Add("resolv.conf", sandbox.ResolvConf)
            .Add("hosts", sandbox.HostsFile)
            .Add("Ports", Display.List((sandbox.Ports ?? []).Select(p => p.ToString())))
            .WriteTo(writer);
        if (sandbox.Endpoints.Count == 0)
        {
            return;
        }

        writer.WriteLine();
        var table = new TextTable("INTERFACE", "NETWORK", "IP", "MAC", "ALIASES", "ENDPOINT ID");
        foreach (var e in sandbox.Endpoints.OrderBy(e => e.InterfaceName, StringComparer.Ordinal))
        {
            table.AddRow(Display.Text(e.InterfaceName), e.Network, e.Address ?? Display.None, Display.Text(e.Mac), Display.List(e.Aliases), Display.ShortId(e.Id));
        }

        table.WriteTo(writer);
    }
}
