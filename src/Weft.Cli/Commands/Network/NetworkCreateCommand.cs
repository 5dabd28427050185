using System.CommandLine;
using Weft.Api;
using Weft.Cli.Requests;
using Weft.Core.Model;

namespace Weft.Cli.Commands.Network;

/// <summary>`weft network create`: everything left out is chosen by the agent (subnet, gateway, VNI, MTU).</summary>
internal sealed class NetworkCreateCommand : WeftCommand
{
    private readonly Option<string> _driver = new("--driver", "-d")
    {
        Description = "overlay: VXLAN across hosts, global scope; bridge: this host only, NAT to the outside; "
            + "host: a sandbox shares its host's own network namespace (no subnet, VNI or MTU); null: loopback only",
        DefaultValueFactory = _ => NetworkDriver.Overlay.ToName(),
    };

    private readonly Option<string[]> _subnet = new("--subnet")
    {
        Description = "Subnet in CIDR form, repeatable [default: an automatic free IPv4 subnet, checked against every host's routes]",
        HelpName = "CIDR",
    };

    private readonly Option<string[]> _gateway = new("--gateway")
    {
        Description = "Gateway address of the subnet that contains it [default: the subnet's first usable address]",
        HelpName = "IP",
    };

    private readonly Option<string[]> _ipRange = new("--ip-range")
    {
        Description = "Hand out addresses only from this part of the subnet that contains it [default: the whole subnet]",
        HelpName = "CIDR",
    };

    private readonly Option<int?> _vni = new("--vni")
    {
        Description = "VXLAN network identifier, overlay only [default: the lowest free one from 256]",
        HelpName = "N",
    };

    private readonly Option<int?> _mtu = new("--mtu")
    {
        Description = "MTU of the network's interfaces [default: underlay MTU − 50 for overlay (VXLAN's overhead), 1500 for bridge]",
        HelpName = "N",
    };

    private readonly Option<bool> _internal = new("--internal")
    {
        Description = "No route to the outside: members reach only each other",
    };

    private readonly Option<string[]> _opt = new("--opt", "-o")
    {
        Description = "Driver option, repeatable: com.docker.network.driver.mtu=N (the same as --mtu); other keys, and encrypted, are refused",
        HelpName = "KEY=VALUE",
    };

    private readonly Option<string[]> _label = new("--label")
    {
        Description = "Label, repeatable",
        HelpName = "KEY=VALUE",
    };

    private readonly Argument<string> _name = new("NAME") { Description = "The network's name, unique in the cluster" };

    public NetworkCreateCommand(CliContext context)
        : base(context, "create", "Create a network; prints its id", JsonOutput.Prints("the network, as the API shows it"))
    {
        _driver.AcceptOnlyFromAmong([.. Enum.GetValues<NetworkDriver>().Select(d => d.ToName())]);
        Add(_driver);
        Add(_subnet);
        Add(_gateway);
        Add(_ipRange);
        Add(_vni);
        Add(_mtu);
        Add(_internal);
        Add(_opt);
        Add(_label);
        Add(_name);
    }

    /// <summary>The request this command line asks the agent for; throws <see cref="UsageException"/> when the options conflict.</summary>
    public CreateNetworkRequest ToRequest(ParseResult parseResult) => new()
    {
        Name = parseResult.GetRequiredValue(_name),
        Driver = parseResult.GetRequiredValue(_driver),
        Subnets = SubnetArguments.Pair(
            parseResult.GetValue(_subnet) ?? [],
            parseResult.GetValue(_gateway) ?? [],
            parseResult.GetValue(_ipRange) ?? []),
        Vni = parseResult.GetValue(_vni),
        Mtu = parseResult.GetValue(_mtu),
        Internal = parseResult.GetValue(_internal),
        Options = KeyValueArguments.Parse(parseResult.GetValue(_opt), "--opt"),
        Labels = KeyValueArguments.Parse(parseResult.GetValue(_label), "--label", allowBareKey: true),
    };

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var request = ToRequest(parseResult);
        using var agent = Context.ConnectToAgent(parseResult);
        var network = await agent.CreateNetworkAsync(request, cancellationToken);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(network, ApiJsonContext.Default.NetworkDetail);
        }
        else
        {
            Context.Out.WriteLine(network.Id);
        }

        return ExitCodes.Success;
    }
}
