using System.Globalization;
using System.Net;
using Weft.Api;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Bench.Convergence;

/// <summary>Weft: `weft run -d` on lab host A, as a person would type it there (`weft lab exec A -- weft run …`).</summary>
internal sealed class WeftSide(LabHost hostA, WeftApiClient clientA, string network) : IConvergenceSide
{
    public async Task<RunResult> RunAsync(string name, IPAddress address, CancellationToken ct)
    {
        using var ns = NetworkNamespace.Open(hostA.Namespace);
        var (code, output, started, returned) = await Trials.RunInAsync(ns,
            [.. WeftBinary.Command, "run", "-d", "--name", name, "--net", network, "--ip", address.ToString(), "--", "sleep", "infinity"],
            new Dictionary<string, string> { [WeftApiClient.SocketEnvironmentVariable] = hostA.SocketPath }, ct);
        return new(started, returned, code == 0 ? null : $"weft run -d --name {name} on {hostA.Name}: exit {code}: {Trials.ErrorLine(output)}");
    }

    public Task RemoveAsync(string name, CancellationToken ct) => clientA.RemoveSandboxAsync(name, force: true, ct);
}

/// <summary>Docker: `docker run -d` on host A's daemon, the same container each time, only the name and address change.</summary>
internal sealed class DockerSide(DockerCluster docker, string network) : IConvergenceSide
{
    public async Task<RunResult> RunAsync(string name, IPAddress address, CancellationToken ct)
    {
        var (code, output, started, returned) = await docker.DockerAsync(1,
            ["run", "-d", "--pull", "never", "--net", network, "--ip", address.ToString(), "--name", name, DockerCluster.Image, "sleep", "3600"], ct);
        return new(started, returned, code == 0 ? null : $"docker run -d --name {name} on host 1: exit {code}: {Trials.ErrorLine(output)}");
    }

    public Task RemoveAsync(string name, CancellationToken ct) => docker.DockerOkAsync(1, ["rm", "-f", name], ct);
}

internal static class Addresses
{
    /// <summary>The overlay subnet on both sides (each in its own namespaces, so they never meet).</summary>
    public const string Subnet = "10.77.0.0/24";

    public static readonly IPAddress ProbeOnB = IPAddress.Parse("10.77.0.2");
    public static readonly IPAddress BystanderOnC = IPAddress.Parse("10.77.0.3");

    /// <summary>A fresh address per trial, so no cache (ARP in the probe, FDB anywhere) can carry over between trials.</summary>
    public static IPAddress Trial(int i) => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.77.0.{10 + i}"));

    /// <summary>Addresses .10 to .249: warm-up trials, counted trials and any retried after a failed `run -d`.</summary>
    public const int MaxTrials = 240;
}
