using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Weft.Api;
using Weft.Lab;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>
/// Names as users resolve them: glibc's getent, busybox nslookup, dig and ping, run through `weft exec` inside
/// sandboxes of a three-host lab, so the resolv.conf the sandbox sees is the one Weft wrote. The lab's agents
/// forward other names to a test upstream (dnsmasq) in a namespace of its own on the lab's underlay.
/// </summary>
[RequiresRoot]
public sealed class DnsEndToEndTests : IAsyncLifetime
{
    private const string UpstreamAddress = "198.18.0.200";
    private LabFixture _lab = null!;
    private TestUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabFixture.UpAsync(3, hostTtl: TimeSpan.FromSeconds(3), agentArguments: ["--dns-upstream", UpstreamAddress]);
        try
        {
            _upstream = TestUpstream.Attach(_lab, UpstreamAddress);
        }
        catch
        {
            // xunit does not dispose a class whose initialisation failed: take the lab down here.
            await _lab.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _upstream?.Dispose();
        await _lab.DisposeAsync();
    }

    private static CreateSandboxRequest Sleeper(string name, string network, string? alias = null, string? hostname = null, string? extraHost = null) => new()
    {
        Name = name,
        Hostname = hostname,
        Networks = [new SandboxNetworkSpec(network, Aliases: alias is null ? null : [alias])],
        ExtraHosts = extraHost is null ? [] : [extraHost],
        Command = ["sleep", "infinity"],
    };

    private static CreateNetworkRequest Overlay(string name, string subnet) => new() { Name = name, Subnets = [new SubnetSpec(subnet)] };

    [Fact]
    public async Task Sandboxes_resolve_each_other_across_hosts_by_name_alias_and_hostname_and_nothing_beyond_their_networks()
    {
        using var h1 = _lab.Client(1);
        using var h2 = _lab.Client(2);
        using var h3 = _lab.Client(3);
        var net = await h3.CreateNetworkAsync(Overlay("test-net", "10.0.10.0/24"));
        Assert.Equal("10.0.10.1", net.Dns);
        await h3.CreateNetworkAsync(Overlay("other-net", "10.0.20.0/24"));
        var shell = await h2.CreateSandboxAsync(Sleeper("shell", "test-net", alias: "web", hostname: "box"));
        var shell2 = await h3.CreateSandboxAsync(Sleeper("shell2", "test-net", alias: "web", extraHost: "db:10.9.9.9"));
        var loner = await h1.CreateSandboxAsync(Sleeper("loner", "other-net"));
        var shellIp = shell.Endpoints[0].Address!;
        var shell2Ip = shell2.Endpoints[0].Address!;

        // The sandbox's resolv.conf points at Weft's server on its network, searching the network's name.
        var resolv = await ExecAsync(3, "shell2", "cat", "/etc/resolv.conf");
        Assert.Contains("nameserver 10.0.10.1\n", resolv.Output, StringComparison.Ordinal);
        Assert.Contains("search test-net", resolv.Output, StringComparison.Ordinal);

        // glibc through the search domain, busybox, dig: the name of a sandbox on another host.
        Assert.Equal($"{shellIp} shell.test-net", Squeeze(await ExecOk(3, "shell2", "getent", "hosts", "shell")));
        Assert.Contains($"Address: {shellIp}", await ExecOk(3, "shell2", "busybox", "nslookup", "shell.test-net"), StringComparison.Ordinal);
        Assert.Equal(shellIp, await Dig(3, "shell2", "shell"));
        Assert.Equal(shellIp, await Dig(3, "shell2", "SHELL.Test-Net"));
        Assert.Equal(shellIp, await Dig(3, "shell2", "box"));
        Assert.Equal(shellIp, await Dig(3, "shell2", "shell", "+tcp"));
        Assert.Equal("shell.test-net.", await Dig(3, "shell2", "-x", shellIp));
        Assert.True((await ExecAsync(3, "shell2", "ping", "-c", "1", "-W", "2", "shell")).ExitCode == 0, "ping shell by name from shell2");

        // An alias shared by two endpoints returns both addresses, in rotating order.
        var first = (await Dig(3, "shell2", "web")).Split('\n');
        var second = (await Dig(3, "shell2", "web")).Split('\n');
        Assert.Equal(new[] { shellIp, shell2Ip }.Order(StringComparer.Ordinal), first.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { shellIp, shell2Ip }.Order(StringComparer.Ordinal), second.Order(StringComparer.Ordinal));
        Assert.NotEqual(first[0], second[0]);

        // A sandbox's own --add-host entries, and nobody else's.
        Assert.Equal("10.9.9.9", await Dig(3, "shell2", "db"));
        Assert.Equal("NXDOMAIN", await DigStatus(2, "shell", "db"));

        // NXDOMAIN for unknown names, NODATA (NOERROR, no answer) for a type the name lacks.
        Assert.Equal("NXDOMAIN", await DigStatus(3, "shell2", "nosuch"));
        Assert.Equal("NOERROR", await DigStatus(3, "shell2", "shell", "AAAA"));
        Assert.Equal("", await Dig(3, "shell2", "shell", "AAAA"));

        // Isolation: other-net's names are not visible from test-net, nor the other way round.
        Assert.Equal("NXDOMAIN", await DigStatus(3, "shell2", "loner"));
        Assert.Equal("NXDOMAIN", await DigStatus(3, "shell2", "loner.other-net"));
        Assert.Equal(2, (await ExecAsync(3, "shell2", "getent", "hosts", "loner")).ExitCode);
        Assert.Equal("NXDOMAIN", await DigStatus(1, "loner", "shell"));

        // Freshness: a sandbox started later on host1 resolves from host3, and stops resolving once removed.
        var late = await h1.CreateSandboxAsync(Sleeper("late", "test-net"));
        await LabFixture.EventuallyAsync(async () => await Dig(3, "shell2", "late") == late.Endpoints[0].Address, "late (host1) resolves from shell2 (host3)");
        await h1.RemoveSandboxAsync("late", force: true);
        await LabFixture.EventuallyAsync(async () => await DigStatus(3, "shell2", "late") == "NXDOMAIN", "removed late stops resolving");

        // Never an open resolver: nothing answers DNS on the hosts' underlay addresses.
        var fromUnderlay = await LabDemo.RunInAsync(HostNamespace(1), ["dig", "+tries=1", "+timeout=1", $"@{_lab.Host(3).Address}", "shell.test-net"], CancellationToken.None);
        Assert.NotEqual(0, fromUnderlay.ExitCode);
        Assert.DoesNotContain(shellIp, fromUnderlay.Output, StringComparison.Ordinal);
        _ = loner;
    }

    [Fact]
    public async Task Other_names_go_upstream_and_a_silent_upstream_gives_servfail_not_a_hang()
    {
        using var h2 = _lab.Client(2);
        await h2.CreateNetworkAsync(Overlay("up-net", "10.0.30.0/24"));
        await h2.CreateSandboxAsync(Sleeper("asker", "up-net"));

        Assert.Equal("192.0.2.7", await Dig(2, "asker", "www.upstream.test"));
        Assert.Equal("192.0.2.7 www.upstream.test", Squeeze(await ExecOk(2, "asker", "getent", "hosts", "www.upstream.test")));
        Assert.Equal("NXDOMAIN", await DigStatus(2, "asker", "gone.nx.test"));

        _upstream.GoSilent();
        var sw = Stopwatch.StartNew();
        Assert.Equal("SERVFAIL", await DigStatus(2, "asker", "other.upstream.test", "+timeout=10"));
        // dig waited at most its 10 s timeout once; an answer came, so Weft gave up on the upstream by itself.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"SERVFAIL came after {sw.Elapsed.TotalSeconds:0.0} s");
        // Weft's own names still answer while the upstream is silent.
        Assert.Equal("NOERROR", await DigStatus(2, "asker", "asker"));
    }

    private string HostNamespace(int host) => _lab.HostNamespacePath(host);

    private Task<(int ExitCode, string Output)> ExecAsync(int host, string sandbox, params string[] command) => _lab.ExecAsync(host, sandbox, command);

    private async Task<string> ExecOk(int host, string sandbox, params string[] command)
    {
        var (code, output) = await ExecAsync(host, sandbox, command);
        Assert.True(code == 0, $"{string.Join(' ', command)} in {sandbox} exited {code}: {output}");
        return output;
    }

    /// <summary>dig's short answer through the sandbox's resolv.conf, one record per line.</summary>
    private async Task<string> Dig(int host, string sandbox, params string[] query) =>
        (await ExecOk(host, sandbox, ["dig", "+short", "+tries=1", "+timeout=5", .. query])).Trim();

    private async Task<string> DigStatus(int host, string sandbox, params string[] query)
    {
        var output = await ExecOk(host, sandbox, ["dig", "+tries=1", "+timeout=5", .. query]);
        var marker = "status: ";
        var at = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"dig {string.Join(' ', query)} got no answer: {output}");
        return output[(at + marker.Length)..].Split(',')[0];
    }

    private static string Squeeze(string text) => string.Join(' ', text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// A resolver for the lab: dnsmasq answering *.upstream.test with 192.0.2.7 (a documentation address, never
    /// contacted) and NXDOMAIN for *.nx.test, in a namespace of its own plugged into the lab's underlay switch. <see cref="GoSilent"/> swaps
    /// it for a socket that takes queries and never answers.
    /// </summary>
    private sealed class TestUpstream : IDisposable
    {
        private readonly TestNamespaces _namespaces;
        private readonly NetworkNamespace _ns;
        private readonly IPAddress _address;
        private Process? _dnsmasq;
        private Socket? _silent;

        private TestUpstream(TestNamespaces namespaces, NetworkNamespace ns, IPAddress address)
        {
            _namespaces = namespaces;
            _ns = ns;
            _address = address;
        }

        /// <summary>A namespace of its own, cabled to the lab's underlay switch the way the lab cables its hosts.</summary>
        public static TestUpstream Attach(LabFixture lab, string address)
        {
            var namespaces = new TestNamespaces();
            var upstream = new TestUpstream(namespaces, namespaces.Create("upstream"), IPAddress.Parse(address));
            try
            {
                lab.Underlay.Attach(upstream._ns, "upstream", upstream._address);
                var psi = new ProcessStartInfo("dnsmasq") { UseShellExecute = false };
                foreach (var arg in new[]
                {
                    "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--user=root",
                    $"--listen-address={address}", "--bind-interfaces", "--port=53", "--address=/upstream.test/192.0.2.7", "--address=/nx.test/",
                    "--pid-file=",
                })
                {
                    psi.ArgumentList.Add(arg);
                }
                upstream._dnsmasq = upstream._ns.StartProcess(psi);
                return upstream;
            }
            catch
            {
                upstream.Dispose();
                throw;
            }
        }

        public void GoSilent()
        {
            StopDnsmasq();
            _silent = _ns.Run(() =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(_address, 53));
                return s;
            });
        }

        private void StopDnsmasq()
        {
            if (_dnsmasq is { } p)
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }
                p.Dispose();
                _dnsmasq = null;
            }
        }

        public void Dispose()
        {
            StopDnsmasq();
            _silent?.Dispose();
            _namespaces.Dispose();
        }
    }
}
