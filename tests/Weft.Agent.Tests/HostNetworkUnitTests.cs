using System.Net;
using Weft.Agent.Api;
using Weft.Agent.Sandboxes;
using Weft.Cluster;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.DataPlane;

namespace Weft.Agent.Tests;

/// <summary>What a host-network sandbox sees and shows, computed without a kernel: its files and its API views.</summary>
public sealed class HostNetworkUnitTests : IDisposable
{
    private const string HostId = "0000000000000000000000000000000000000000000000000000000000000001";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wtt-files-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static NetworkRecord Network(string name, NetworkDriver driver) => new()
    {
        Id = (name.GetHashCode(StringComparison.Ordinal) & 0x7fffffff).ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
        Name = name,
        Driver = driver,
        Scope = driver.ScopeOf(),
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static SandboxRecord Sandbox(string name, string namespacePath, params string[] extraHosts) => new()
    {
        Id = "00000000000000000000000000000000000000000000000000000000000000aa",
        Name = name,
        HostId = HostId,
        ExtraHosts = [.. extraHosts.Select(HostEntry.Parse)],
        NetworkNamespace = namespacePath,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static EndpointRecord Endpoint(SandboxRecord sandbox, NetworkRecord network) => new()
    {
        Id = "00000000000000000000000000000000000000000000000000000000000000bb",
        NetworkId = network.Id,
        NetworkName = network.Name,
        SandboxId = sandbox.Id,
        ContainerName = sandbox.Name,
        HostId = HostId,
        Mac = MacAddress.ForEndpoint("00000000000000000000000000000000000000000000000000000000000000bb"),
        InterfaceName = "eth0",
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static ClusterSnapshot SnapshotOf(NetworkRecord network, SandboxRecord sandbox, EndpointRecord endpoint) =>
        ClusterSnapshot.Empty.With(network).With(sandbox).With(endpoint);

    private static IPAddress? NoDns(NetworkRecord network) => null;

    [Fact]
    public void A_sandbox_in_the_host_namespace_gets_the_hosts_files_with_its_own_extra_hosts_after_them()
    {
        var network = Network("hostnet", NetworkDriver.Host);
        var sandbox = Sandbox("s", "/run/netns/weft-node-1", "legacy:10.9.9.9");
        var endpoint = Endpoint(sandbox, network);
        const string hostResolvConf = "nameserver 192.0.2.53\nsearch example.org\n";

        SandboxFiles.Write(_directory, sandbox, [endpoint], SnapshotOf(network, sandbox, endpoint), NoDns, hostResolvConf, "127.0.0.1\tlocalhost\n198.18.0.2\tnode-1");

        Assert.Equal(hostResolvConf, File.ReadAllText(Path.Combine(_directory, SandboxFiles.ResolvConfFile)));
        Assert.Equal("127.0.0.1\tlocalhost\n198.18.0.2\tnode-1\n10.9.9.9\tlegacy\n", File.ReadAllText(Path.Combine(_directory, SandboxFiles.HostsFile)));
    }

    [Fact]
    public void A_sandbox_with_a_namespace_of_its_own_never_gets_the_hosts_entries()
    {
        var network = Network("none", NetworkDriver.Null);
        var sandbox = Sandbox("s", "/run/netns/weftsb-node-1_s", "legacy:10.9.9.9");
        var endpoint = Endpoint(sandbox, network);

        SandboxFiles.Write(_directory, sandbox, [endpoint], SnapshotOf(network, sandbox, endpoint), NoDns, "nameserver 192.0.2.53\n", "198.18.0.2\tnode-1\n");

        var hosts = File.ReadAllText(Path.Combine(_directory, SandboxFiles.HostsFile));
        Assert.DoesNotContain("node-1", hosts, StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1\tlocalhost\n", hosts, StringComparison.Ordinal);
        Assert.EndsWith("10.9.9.9\tlegacy\n", hosts, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/run/netns/weft-node-1", true)]
    [InlineData("/run/weft-lab/x/netns/weft-node-1", true)]
    [InlineData("/run/netns/weftsb-node-1_s", false)]
    [InlineData("/run/netns/weft-node-1_net", false)]
    [InlineData("/run/netns/lab-host2", false)]
    public void Whether_a_sandbox_lives_in_its_hosts_namespace_is_told_by_the_pins_name(string path, bool holds) =>
        Assert.Equal(holds, SandboxRules.SharesHostNamespace(Sandbox("s", path)));

    [Theory]
    [InlineData(NetworkDriver.Host)]
    [InlineData(NetworkDriver.Null)]
    public void An_endpoint_without_an_interface_shows_no_MAC_or_interface_and_a_host_network_the_underlay_MTU(NetworkDriver driver)
    {
        var network = Network("plain", driver);
        var sandbox = Sandbox("s", "/run/netns/weft-node-1");
        var endpoint = Endpoint(sandbox, network);
        var host = new HostContext(new HostIdentity(HostId, "node-1", new Underlay(IPAddress.Parse("198.18.0.2"), "eth0", 9000, [])));
        var detail = new ApiViews(new NetworkDriverRegistry(host)).Detail(network, SnapshotOf(network, sandbox, endpoint));

        var view = Assert.Single(detail.Endpoints);
        Assert.Equal(("s", null, "", ""), (view.Sandbox, view.Address, view.Mac, view.InterfaceName));
        Assert.Null(detail.Dns);
        // A host network's interfaces are the host's own; a null network's one interface is the loopback.
        Assert.Equal(driver == NetworkDriver.Host ? 9000 : 65536, detail.Mtu);
    }
}
