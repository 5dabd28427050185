using System.Net;
using System.Text;

namespace Weft.Agent.Dns;

/// <summary>
/// A sandbox's resolv.conf: Weft's server on its first network that has one, searching that network's name
/// first (so `ping shell` finds shell.test-net) and then the host's own search domains. A sandbox on no such
/// network gets the host's file unchanged.
/// </summary>
public static class SandboxResolvConf
{
    public static string Render(IPAddress? server, string? network, string hostResolvConf)
    {
        ArgumentNullException.ThrowIfNull(hostResolvConf);
        if (server is null)
        {
            return hostResolvConf;
        }
        var search = new List<string>();
        if (network is not null)
        {
            search.Add(network.ToLowerInvariant());
        }
        var options = new List<string>();
        foreach (var raw in hostResolvConf.Split('\n'))
        {
            var fields = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }
            switch (fields[0])
            {
                case "search" or "domain":
                    search.AddRange(fields.Skip(1).Where(d => !search.Contains(d, StringComparer.OrdinalIgnoreCase)));
                    break;
                case "options":
                    options.AddRange(fields.Skip(1));
                    break;
            }
        }
        var text = new StringBuilder();
        text.Append("# Written by weft: names of this sandbox's networks come from Weft's DNS, others are forwarded upstream.\n");
        text.Append($"nameserver {server}\n");
        if (search.Count > 0)
        {
            text.Append($"search {string.Join(' ', search)}\n");
        }
        if (options.Count > 0)
        {
            text.Append($"options {string.Join(' ', options)}\n");
        }
        return text.ToString();
    }
}
