using System.CommandLine;
using Weft.Api;
using Weft.Cli.Output;
using Weft.Core.Naming;

namespace Weft.Cli.Commands.Cni;

/// <summary>`weft cni ...`: what Podman and containerd need to put their containers on Weft networks.</summary>
internal sealed class CniCommands : ICommandGroup
{
    public IEnumerable<Command> CreateCommands(CliContext context)
    {
        yield return new Command("cni", "Use Weft networks from Podman and containerd (the weft CNI plugin)")
        {
            new CniConfigCommand(context),
        };
    }
}

/// <summary>`weft cni config NETWORK`: prints the conflist (weft, then portmap), or writes it into a runtime's config directory.</summary>
internal sealed class CniConfigCommand : WeftCommand
{
    private readonly Argument<string> _network = new("NETWORK") { Description = "The Weft network; also the conflist's name, which Podman uses as its network's name" };

    private readonly Option<string?> _install = new("--install")
    {
        Description = "Write the conflist into this directory (e.g. /etc/cni/net.d) instead of printing it; prints the file's path",
        HelpName = "DIR",
    };

    private readonly Option<string> _version = new("--cni-version")
    {
        Description = "The conflist's cniVersion",
        DefaultValueFactory = _ => CniConflist.DefaultVersion,
    };

    public CniConfigCommand(CliContext context)
        : base(context, "config", "Print a ready conflist for NETWORK: the weft plugin, then portmap for -p", JsonOutput.Prints("the conflist (JSON in either format); with --install, {\"path\"}"))
    {
        Add(_network);
        Add(_install);
        Add(_version);
        _version.AcceptOnlyFromAmong([.. Api.Cni.CniVersions.Supported]);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var network = parseResult.GetRequiredValue(_network);
        NameRules.ValidateNetworkName(network);
        // The plugin finds the agent on the default socket; another one (a lab host's, --socket, WEFT_SOCKET) is written in.
        using var client = new WeftApiClient(parseResult.GetValue(Context.Globals.Socket));
        var socket = client.SocketPath;
        var text = CniConflist.Render(network, socket == WeftApiClient.DefaultSocketPath ? null : socket, parseResult.GetRequiredValue(_version));
        if (parseResult.GetValue(_install) is not { } directory)
        {
            await Context.Out.WriteAsync(text);
            return ExitCodes.Success;
        }
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, CniConflist.FileName(network));
        var temp = path + ".tmp";
        // Written whole and renamed: a runtime reading the directory meanwhile never sees half a file.
        await File.WriteAllTextAsync(temp, text, cancellationToken);
        File.Move(temp, path, overwrite: true);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(new InstalledFile(path), CliJsonContext.Default.InstalledFile);
        }
        else
        {
            await Context.Out.WriteLineAsync(path);
        }
        return ExitCodes.Success;
    }
}
