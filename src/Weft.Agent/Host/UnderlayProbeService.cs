using Microsoft.Extensions.Logging;
using Weft.Core.Model;
using Weft.Linux;
using Weft.Linux.Probes;

namespace Weft.Agent.Host;

/// <summary>
/// Keeps this host answering `weft doctor`'s UDP 4789 probes (<see cref="UnderlayProbeResponder"/>) for as long as the
/// agent runs. A kernel that refuses the probe device (no VXLAN, or UDP 4789 held by a program) is logged and retried;
/// the agent works on without it, and doctor on other hosts reports this host as not answering.
/// </summary>
public sealed class UnderlayProbeService(Underlay underlay, ILogger<UnderlayProbeService> log)
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(10);

    /// <summary>True while probes are answered.</summary>
    public bool Running { get; private set; }

    /// <summary>Why the responder is not running, if it is not.</summary>
    public string? Error { get; private set; } = "not started yet";

    public Task RunAsync(CancellationToken stop) =>
        // The responder blocks in poll(): a thread of its own keeps it off the thread pool.
        Task.Factory.StartNew(() => Run(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using (var responder = UnderlayProbeResponder.Start(underlay.Address, underlay.Device))
                {
                    (Running, Error) = (true, null);
                    log.LogDebug("answering UDP 4789 probes on {Device}", UnderlayProbeResponder.DeviceName);
                    responder.Run(stop);
                }
                UnderlayProbeResponder.RemoveDevice();
                return;
            }
            catch (KernelException e)
            {
                (Running, Error) = (false, e.Message);
                log.LogWarning("cannot answer weft doctor's UDP 4789 probes: {Error}; retrying in {Seconds} s", e.Message, RetryInterval.TotalSeconds);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                (Running, Error) = (false, e.Message);
                log.LogWarning("cannot answer weft doctor's UDP 4789 probes: {Error}; retrying in {Seconds} s", e.Message, RetryInterval.TotalSeconds);
            }
            stop.WaitHandle.WaitOne(RetryInterval);
        }
    }
}
