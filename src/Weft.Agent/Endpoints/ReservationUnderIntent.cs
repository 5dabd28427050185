using Microsoft.Extensions.Logging;
using Weft.Cluster;
using Weft.Core.Errors;

namespace Weft.Agent.Endpoints;

/// <summary>
/// The one way every front end makes something under an intent (`weft run`, `network connect`, a CNI ADD), so that a
/// fix to its crash safety lands once. The caller writes the intent, naming every id; then the endpoints are reserved in
/// one store transaction, and the rest is built on the reservation (joins, files, processes). A reservation the store
/// refused wrote nothing, so its intent just ends; any other failure, including a store that failed in a way that leaves
/// unknown whether the transaction went through, is undone by the intent's ids. An undo that cannot finish now (the store
/// is down) keeps its intent, which is then settled as a crash's would be.
/// </summary>
public sealed class ReservationUnderIntent(IntentJournal intents, ILogger<ReservationUnderIntent> log)
{
    /// <summary>An undo runs on a token of its own (the caller's may be what was cancelled), for this long at most.</summary>
    private static readonly TimeSpan UndoLimit = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Reserves with <paramref name="reserve"/> and builds on the reservation with <paramref name="build"/>, under
    /// <paramref name="intent"/>, which ends once the build has returned. <paramref name="undo"/> undoes the intent's ids
    /// (normally through <see cref="UndoAsync"/>); the caller hears of the first failure.
    /// </summary>
    public async Task<T> RunAsync<T>(Intent intent, Func<Task<(Reservation Reservation, ClusterSnapshot Snapshot)>> reserve,
        Func<Reservation, ClusterSnapshot, Task<T>> build, Func<Intent, Task> undo)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(reserve);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(undo);
        (Reservation Reservation, ClusterSnapshot Snapshot) reserved;
        try
        {
            reserved = await reserve();
        }
        catch (WeftValidationException)
        {
            intents.End(intent); // the name was taken, the address is in use, …: the store wrote nothing
            throw;
        }
        catch
        {
            await undo(intent);
            throw;
        }
        try
        {
            var result = await build(reserved.Reservation, reserved.Snapshot);
            intents.End(intent);
            return result;
        }
        catch
        {
            await undo(intent);
            throw;
        }
    }

    /// <summary>
    /// Undoes a creation with <paramref name="tearDown"/> (the kernel first, then the store) and ends its intent. When the
    /// teardown cannot finish now, the intent stays to be settled later, so what it reserved is released as soon as the
    /// store answers again. Never throws: the caller reports the failure that made it undo, not this one.
    /// </summary>
    /// <param name="what">What is undone, for the log: "sandbox web".</param>
    public async Task UndoAsync(Intent intent, string what, Func<CancellationToken, Task> tearDown)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(tearDown);
        using var cts = new CancellationTokenSource(UndoLimit);
        try
        {
            await tearDown(cts.Token);
            intents.End(intent);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            intents.Keep(intent);
            log.LogError("undoing {What} is not finished ({Error}); retrying in the background", what, e.Message);
        }
    }
}
