using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Weft.Api;
using Weft.Linux.Namespaces;

namespace Weft.Lab;

/// <summary>
/// `weft lab demo`: the seed experiment, narrated. Three hosts, an overlay created on host3, a sandbox on
/// host2 and one on host3, a ping across, the VXLAN on the underlay, and iperf3 over the overlay against the
/// underlay. Every step checks its result; the first failure ends the demo with a non-zero exit.
/// </summary>
/// <param name="say">Each line of the narration.</param>
/// <param name="stepEnded">Each step once it ended, with its outcome and its lines (`weft lab demo --format json`).</param>
public sealed class LabDemo(LabOptions options, Action<string> say, Action<LabDemoStep>? stepEnded = null)
{
    public const string Network = "test-net";

    private (int Number, string Title, Stopwatch Clock, List<string> Details)? _step;
    private bool _failed;

    public async Task<int> RunAsync(bool keep, CancellationToken ct)
    {
        try
        {
            var code = await RunStepsAsync(keep, ct);
            EndStep("ok", null);
            return code;
        }
        catch (Exception e) when (!_failed && FailStep(e))
        {
            throw; // never reached: the filter records the failure and lets the exception go on
        }
        finally
        {
            EndStep("ok", null); // the teardown after a failed step
        }
    }

    private async Task<int> RunStepsAsync(bool keep, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        Step(1, $"build {options.Hosts} hosts ({(options.Store == LabStore.Etcd ? "etcd" : "embedded store")}, flat underlay {options.Underlay})");
        var state = await Lab.UpAsync(options, line => Say($"   {line}"), ct);
        try
        {
            var (h2, h3) = (state.Hosts[1], state.Hosts[2]);
            var (shellNs, shell2Ns, shellIp, vni) = options.Docker ? await DockerStepsAsync(h2, h3, ct) : await WeftStepsAsync(h2, h3, ct);

            Step(5, $"on {h2.Name}: weft capture --count 4 --network {Network}, while shell2 pings shell");
            // The real `weft capture` of this lab host: AF_PACKET on its underlay eth0, names from its agent.
            var capture = RunOnHostAsync(h2, [.. options.WeftCommand, "capture", "--count", "4", "--network", Network], ct);
            // The capture socket opens once weft has started, which takes longer on a busy machine: ping until it has
            // seen its 4 packets (each echo and its reply cross host2's underlay once).
            var window = Stopwatch.StartNew();
            while (!capture.IsCompleted && window.Elapsed < TimeSpan.FromSeconds(15))
            {
                await RunInAsync(shell2Ns, ["ping", "-c", "1", "-W", "1", shellIp], ct);
                await Task.WhenAny(capture, Task.Delay(TimeSpan.FromMilliseconds(300), ct));
            }
            Require(capture.IsCompleted, "weft capture saw fewer than 4 VXLAN packets within 15 s");
            var (captureCode, captured) = await capture;
            var lines = captured.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines)
            {
                Say($"   {line}");
            }
            var vxlanLines = lines.Count(l => l.Contains($"vxlan vni {vni}", StringComparison.Ordinal));
            Require(captureCode == 0 && vxlanLines >= 4, $"weft capture failed or saw no VXLAN (exit {captureCode}):\n{captured}");
            Say($"   {vxlanLines} packets on {h2.Name}'s underlay, each UDP to port 4789 with VNI {vni} around the ICMP between the {Members}");

            Step(6, $"iperf3: {Member} to {Member} over the overlay, host to host over the underlay");
            var overlay = await IperfAsync(shellNs, shell2Ns, shellIp, ct);
            var underlay = await IperfAsync(NamespacePath(h2.Namespace), NamespacePath(h3.Namespace), h2.Address, ct);
            Say($"   overlay  (shell2 → shell):   {overlay,8:0} Mbit/s");
            Say($"   underlay ({h3.Name} → {h2.Name}):   {underlay,8:0} Mbit/s");
            Say($"   overlay / underlay = {overlay / underlay:0.00}   (seed 000 on GbE: 771 / 939 = 0.82)");

            Say($"demo finished in {total.Elapsed.TotalSeconds:0} s");
            return 0;
        }
        catch (Exception e) when (FailStep(e))
        {
            throw; // never reached: the filter marks the step failed before the teardown below starts step 7
        }
        finally
        {
            if (keep)
            {
                Step(7, $"kept the lab; explore with `weft lab shell {state.Hosts[2].Name}`, remove it with `weft lab down`");
            }
            else
            {
                Step(7, "tear down");
                Lab.Down(options.BaseDirectory, options.Name, line => Say($"   {line}"));
            }
        }
    }

    private string Member => options.Docker ? "container" : "sandbox";

    private string Members => options.Docker ? "containers" : "sandboxes";

    /// <summary>Steps 2 to 4 with `weft` commands: the network, a sandbox on host2 and one on host3, a ping by name.</summary>
    private async Task<(string ShellNs, string Shell2Ns, string ShellIp, int Vni)> WeftStepsAsync(LabHost h2, LabHost h3, CancellationToken ct)
    {
        using var on2 = new WeftApiClient(h2.SocketPath);
        using var on3 = new WeftApiClient(h3.SocketPath);

        Step(2, $"on {h3.Name}: weft network create -d overlay --subnet 10.0.10.0/24 {Network}");
        var net = await on3.CreateNetworkAsync(new CreateNetworkRequest { Name = Network, Subnets = [new SubnetSpec("10.0.10.0/24")] }, ct);
        Say($"   {net.Name}: id {net.Id[..12]}, VNI {net.Vni}, gateway {net.Subnets[0].Gateway}, MTU {net.Mtu}");
        await WaitUntilAsync(async () => (await on2.ListNetworksAsync(ct)).Any(n => n.Name == Network), $"{h2.Name} sees {Network}", ct);
        Say($"   {h2.Name} sees it too: weft network ls lists {Network} overlay global");

        Step(3, $"on {h2.Name}: weft run -d --name shell --net {Network} -- sleep infinity; on {h3.Name}: the same as shell2");
        var shell = await on2.CreateSandboxAsync(Sandbox("shell"), ct);
        var shell2 = await on3.CreateSandboxAsync(Sandbox("shell2"), ct);
        var shellIp = shell.Endpoints[0].Address!;
        var shell2Ip = shell2.Endpoints[0].Address!;
        Say($"   shell  on {h2.Name}: {shellIp} mac {shell.Endpoints[0].Mac} (netns {Path.GetFileName(shell.NetworkNamespace)})");
        Say($"   shell2 on {h3.Name}: {shell2Ip} mac {shell2.Endpoints[0].Mac} (netns {Path.GetFileName(shell2.NetworkNamespace)})");

        Step(4, $"on {h3.Name}: weft exec shell2 -- ping -c3 shell");
        // Through the real CLI, so the sandbox's own resolv.conf is used: Weft's DNS on the network's gateway.
        var resolved = await ExecAsync(h3, "shell2", ["getent", "hosts", "shell"], ct);
        Require(resolved.ExitCode == 0 && resolved.Output.Contains(shellIp, StringComparison.Ordinal),
            $"shell2 could not resolve shell (exit {resolved.ExitCode}):\n{resolved.Output}");
        Say($"   getent hosts shell (from shell2, via Weft's DNS at {net.Subnets[0].Gateway}): {string.Join(' ', resolved.Output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))}");
        var ping = await ExecAsync(h3, "shell2", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "shell"], ct);
        Require(ping.ExitCode == 0, $"ping from shell2 to shell failed:\n{ping.Output}");
        foreach (var line in ping.Output.Split('\n').Where(l => l.Contains("bytes from", StringComparison.Ordinal) || l.Contains("packet loss", StringComparison.Ordinal)))
        {
            Say($"   {line}");
        }
        var back = await RunInAsync(shell.NetworkNamespace, ["ping", "-c", "1", "-W", "2", shell2Ip], ct);
        Require(back.ExitCode == 0, $"ping from shell back to shell2 failed:\n{back.Output}");
        Say("   and back from shell to shell2: 1 packets transmitted, 1 received");
        return (shell.NetworkNamespace, shell2.NetworkNamespace, shellIp, net.Vni!.Value);
    }

    /// <summary>
    /// Steps 2 to 4 with `docker` commands against each host's dockerd, as seed 000 ran them: the network made on host3
    /// with the weft driver, a container on host2 and one on host3, a ping by name.
    /// </summary>
    private async Task<(string ShellNs, string Shell2Ns, string ShellIp, int Vni)> DockerStepsAsync(LabHost h2, LabHost h3, CancellationToken ct)
    {
        Step(2, $"on {h3.Name}: docker network create -d weft --ipam-driver weft --subnet 10.0.10.0/24 {Network}");
        await DockerOkAsync(h3, ["network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.0.10.0/24", Network], ct);
        using var on2 = new WeftApiClient(h2.SocketPath);
        await WaitUntilAsync(async () => (await on2.ListNetworksAsync(ct)).Any(n => n.Name == Network), $"{h2.Name}'s agent has {Network}", ct);
        var net = await on2.InspectNetworkAsync(Network, ct);
        Say($"   {net.Name}: Weft network {net.Id[..12]}, VNI {net.Vni}, gateway {net.Subnets[0].Gateway}, MTU {net.Mtu}");
        await WaitUntilAsync(async () => (await LabDocker.DockerAsync(h2, ["network", "inspect", Network], ct)).Code == 0, $"{h2.Name}'s Docker has {Network}", ct);
        Say($"   {h2.Name}: docker network ls lists {Network} (driver weft) too: its agent added it to its dockerd");

        Step(3, $"on {h2.Name}: docker run -itd --name shell --net {Network} busybox; on {h3.Name}: the same as shell2");
        await DockerOkAsync(h2, ["run", "-itd", "--name", "shell", "--net", Network, BusyboxImage.Name], ct);
        await DockerOkAsync(h3, ["run", "-itd", "--name", "shell2", "--net", Network, BusyboxImage.Name], ct);
        var shellIp = await DockerOkAsync(h2, ["inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{Network}\").IPAddress}}}}", "shell"], ct);
        var shell2Ip = await DockerOkAsync(h3, ["inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{Network}\").IPAddress}}}}", "shell2"], ct);
        Say($"   shell  on {h2.Name}: {shellIp}");
        Say($"   shell2 on {h3.Name}: {shell2Ip}");

        Step(4, $"on {h3.Name}: docker exec shell2 ping -c3 shell");
        // Docker's embedded DNS does not know shell (another host's container); it asks Weft's DNS, dockerd's --dns.
        var ping = await LabDocker.DockerAsync(h3, ["exec", "shell2", "ping", "-c", "3", "-W", "2", "shell"], ct);
        Require(ping.Code == 0, $"ping from shell2 to shell failed:\n{ping.Output}");
        foreach (var line in ping.Output.Split('\n').Where(l => l.Contains("bytes from", StringComparison.Ordinal) || l.Contains("packet loss", StringComparison.Ordinal)))
        {
            Say($"   {line}");
        }
        var back = await LabDocker.DockerAsync(h2, ["exec", "shell", "ping", "-c", "1", "-W", "2", "shell2"], ct);
        Require(back.Code == 0, $"ping from shell back to shell2 failed:\n{back.Output}");
        Say("   and back from shell to shell2, by name: 1 packets transmitted, 1 received");
        var shellPid = await DockerOkAsync(h2, ["inspect", "-f", "{{.State.Pid}}", "shell"], ct);
        var shell2Pid = await DockerOkAsync(h3, ["inspect", "-f", "{{.State.Pid}}", "shell2"], ct);
        return ($"/proc/{shellPid}/ns/net", $"/proc/{shell2Pid}/ns/net", shellIp, net.Vni!.Value);
    }

    private static async Task<string> DockerOkAsync(LabHost host, IReadOnlyList<string> args, CancellationToken ct)
    {
        var (code, output) = await LabDocker.DockerAsync(host, args, ct);
        return code == 0 ? output.Trim() : throw new LabException($"docker {string.Join(' ', args)} on {host.Name}: exit {code}: {output.Trim()}");
    }

    /// <summary>`weft exec SANDBOX -- COMMAND` on a lab host, as a user there would type it.</summary>
    private Task<(int ExitCode, string Output)> ExecAsync(LabHost host, string sandbox, IReadOnlyList<string> command, CancellationToken ct) =>
        RunOnHostAsync(host, [.. options.WeftCommand, "exec", sandbox, "--", .. command], ct);

    /// <summary>A command inside a lab host, with that host's agent as the target of any `weft` it runs.</summary>
    public static Task<(int ExitCode, string Output)> RunOnHostAsync(LabHost host, IReadOnlyList<string> command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        return RunInAsync(NamespacePath(host.Namespace), command, ct, Lab.HostEnvironment(host));
    }

    private static CreateSandboxRequest Sandbox(string name) =>
        new() { Name = name, Networks = [new SandboxNetworkSpec(Network)], Command = ["sleep", "infinity"] };

    private void Step(int n, string what)
    {
        EndStep("ok", null);
        _step = (n, what, Stopwatch.StartNew(), []);
        say($"Step {n}: {what}");
    }

    /// <summary>A line of the current step: narrated, and kept (without its indent) for the step's report.</summary>
    private void Say(string line)
    {
        _step?.Details.Add(line.Trim());
        say(line);
    }

    private void EndStep(string outcome, string? error)
    {
        if (_step is { } step)
        {
            _step = null;
            stepEnded?.Invoke(new LabDemoStep(step.Number, step.Title, outcome, Math.Round(step.Clock.Elapsed.TotalSeconds, 1), step.Details, error));
        }
    }

    /// <summary>Marks the current step failed; false, so that an exception filter lets the exception go on.</summary>
    private bool FailStep(Exception e)
    {
        _failed = true;
        EndStep("failed", e.Message);
        return false;
    }

    private static void Require(bool ok, string failure)
    {
        if (!ok)
        {
            throw new LabException(failure);
        }
    }

    /// <summary>Where `ip netns` keeps a namespace of that name.</summary>
    public static string NamespacePath(string name) => Path.Combine(NetworkNamespace.DefaultRunDirectory, name);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new LabException($"timed out waiting until {what}");
            }
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Runs a program inside a namespace and collects its output.</summary>
    public static async Task<(int ExitCode, string Output)> RunInAsync(string namespacePath, IReadOnlyList<string> argv, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var ns = NetworkNamespace.OpenPath(namespacePath);
        using var p = ns.StartProcess(psi);
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return (p.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Mbit/s received by an iperf3 server in one namespace from a 3-second client run in another.</summary>
    public static async Task<double> IperfAsync(string serverNs, string clientNs, string serverAddress, CancellationToken ct)
    {
        var serverPsi = new ProcessStartInfo("iperf3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-s", "-1", "-B", serverAddress })
        {
            serverPsi.ArgumentList.Add(a);
        }
        using var sns = NetworkNamespace.OpenPath(serverNs);
        using var server = sns.StartProcess(serverPsi);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                await Task.Delay(150, ct);
                var (code, output) = await RunInAsync(clientNs, ["iperf3", "-c", serverAddress, "-t", "3", "-J"], ct);
                if (code == 0)
                {
                    using var doc = JsonDocument.Parse(output);
                    return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
                }
                if (attempt >= 10)
                {
                    throw new LabException($"iperf3 to {serverAddress} failed: {output.Trim()}");
                }
            }
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    public static string Format(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}

/// <summary>One step of `weft lab demo`, once it ended: ok or failed (with why), how long it took, what it showed.</summary>
public sealed record LabDemoStep(int Step, string Title, string Outcome, double Seconds, IReadOnlyList<string> Details, string? Error);
