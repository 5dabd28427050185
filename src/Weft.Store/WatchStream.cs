using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Weft.Store;

/// <summary>
/// Bridges a backend's watch loop to IAsyncEnumerable. The loop runs as its own task writing into a bounded channel,
/// which gives the consumer back-pressure and lets the loop use try/catch around its I/O (an iterator cannot yield
/// from inside a catch). Leaving the enumeration cancels the loop.
/// </summary>
internal static class WatchStream
{
    public static async IAsyncEnumerable<WatchEvent> Run(
        Func<ChannelWriter<WatchEvent>, CancellationToken, Task> loop,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
        var task = Task.Run(async () =>
        {
            try
            {
                await loop(channel.Writer, stop.Token);
                channel.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync();
            await task;
        }
    }
}
