using System.CommandLine;
using Weft.Cli.Output;
using Weft.Lab;

namespace Weft.Cli.Commands.Lab;

/// <summary>`weft lab store stop|pause|resume|start`: break the lab's cluster store on purpose (<see cref="LabStoreControl"/>).</summary>
internal static class LabStoreCommands
{
    public static Command Create(CliContext context)
    {
        var store = new Command("store", "Break the lab's cluster store on purpose: stop, pause, resume, start");
        store.Add(new LabStoreActionCommand(context, LabStoreAction.Stop, "stop",
            "etcd: SIGTERM, and wait until it exited. Embedded store: as pause (it has no process)"));
        store.Add(new LabStoreActionCommand(context, LabStoreAction.Pause, "pause",
            "etcd: SIGSTOP, so it hangs. Embedded store: a process takes its write lock and keeps it; writes and keep-alives wait, then fail"));
        store.Add(new LabStoreActionCommand(context, LabStoreAction.Resume, "resume", "etcd: SIGCONT. Embedded store: release the write lock"));
        store.Add(new LabStoreActionCommand(context, LabStoreAction.Start, "start",
            "etcd: start it again on its data, and wait until it listens. Embedded store: as resume"));
        store.Add(new LabStoreHoldLockCommand(context));
        return store;
    }
}

internal sealed class LabStoreActionCommand : WeftCommand
{
    private readonly LabStoreAction _action;
    private readonly Option<string> _name = LabCommands.NameOption();

    public LabStoreActionCommand(CliContext context, LabStoreAction action, string name, string description)
        : base(context, name, description, JsonOutput.Prints("{lab, action, storeKind, store, message}: store is how the lab's store is left"))
    {
        _action = action;
        Add(_name);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var state = LabCommands.Require(parseResult.GetRequiredValue(_name));
        var next = await LabStoreControl.RunAsync(state, _action, LabCommands.WeftCommand(), cancellationToken);
        var store = LabStoreControl.Describe(next);
        if (Context.FormatOf(parseResult) == OutputFormat.Json)
        {
            Context.WriteJson(new LabActionView(next.Name, Name, null, $"store of lab '{next.Name}' ({next.StoreKind}): {store}", StoreKind: next.StoreKind, Store: store),
                CliJsonContext.Default.LabActionView);
        }
        else
        {
            Context.Out.WriteLine($"==> store of lab '{next.Name}' ({next.StoreKind}): {store}");
        }
        return ExitCodes.Success;
    }
}

/// <summary>The process `weft lab store pause` starts on an embedded store: holds its write lock until killed.</summary>
internal sealed class LabStoreHoldLockCommand : WeftCommand
{
    private readonly Argument<string> _path = new("WAL-INDEX") { Description = "The store's -shm file" };

    public LabStoreHoldLockCommand(CliContext context)
        : base(context, LabStoreControl.HoldLockCommand, "Hold an embedded store's write lock until killed (started by pause)", JsonOutput.Refuses("hold-write-lock is the process `lab store pause` starts; it has nothing to print"))
    {
        Hidden = true;
        Add(_path);
    }

    public override TimeSpan? TerminationGracePeriod => null;

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        LabStoreControl.HoldWriteLock(parseResult.GetRequiredValue(_path));
        return Task.FromResult(ExitCodes.Success);
    }
}
