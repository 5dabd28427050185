using Weft.Api.Cni;
using Weft.Cni;

// weft-cni: the CNI plugin. The runtime runs it once per call with CNI_* in the environment and the network config on
// stdin; it prints a result or the spec's error object on stdout and exits 0 or 1. VERSION is answered here (Podman
// asks before every ADD); every other command goes to the agent, which owns all the logic.
var stdin = await Console.In.ReadToEndAsync();
var invocation = CniInvocation.From(Environment.GetEnvironmentVariable, stdin);
var (ok, output) = await PluginMain.RunAsync(invocation);
if (output.Length > 0)
{
    Console.Out.Write(output);
    Console.Out.Flush();
}
return ok ? 0 : 1;

namespace Weft.Cni
{
    internal static class PluginMain
    {
        private static readonly string[] Forwarded = ["ADD", "DEL", "CHECK", "GC", "STATUS"];

        public static async Task<(bool Ok, string Output)> RunAsync(CniInvocation invocation)
        {
            var config = PluginConfig.TryParse(invocation.Call.Config);
            var version = config?.CniVersion ?? CniVersions.V110;
            if (invocation.Command == "VERSION")
            {
                // The spec's answer carries the version the runtime asked in (stdin holds only {"cniVersion": ...}).
                return (true, CniJson.Serialize(new CniVersionInfo(version, CniVersions.Supported)));
            }
            if (!Forwarded.Contains(invocation.Command, StringComparer.Ordinal))
            {
                return (false, AgentForwarder.Error(version, CniErrorCodes.InvalidEnvironment,
                    invocation.Command.Length == 0 ? "CNI_COMMAND is not set" : $"CNI_COMMAND={invocation.Command} is not a CNI command",
                    "weft-cni takes ADD, DEL, CHECK, GC, STATUS and VERSION"));
            }
            if (config is null)
            {
                return (false, AgentForwarder.Error(version, CniErrorCodes.DecodingFailure, "the network config on stdin is not a JSON object"));
            }
            return await AgentForwarder.ForwardAsync(config.Socket, invocation.Command, invocation.Call, version);
        }
    }
}
