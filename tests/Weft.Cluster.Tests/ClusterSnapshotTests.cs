using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Model;
using Weft.Store;

namespace Weft.Cluster.Tests;

/// <summary>The snapshot as watch events build it: indexes follow every change, and a revision is claimed only whole.</summary>
public sealed class ClusterSnapshotTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static NetworkRecord Network(string name, string id) => new()
    {
        Id = id,
        Name = name,
        Driver = NetworkDriver.Overlay,
        Scope = NetworkScope.Global,
        Subnets = [new SubnetConfig { Subnet = IpNetwork.Parse("10.0.10.0/24"), Gateway = IPAddress.Parse("10.0.10.1") }],
        Vni = 256,
        CreatedAt = At,
    };

    private static EndpointRecord Endpoint(string id, string networkId, string sandboxId) => new()
    {
        Id = id,
        NetworkId = networkId,
        NetworkName = "n",
        SandboxId = sandboxId,
        HostId = "h",
        Address = IPAddress.Parse("10.0.10.2"),
        Mac = MacAddress.ForEndpoint(id),
        InterfaceName = "eth0",
        CreatedAt = At,
    };

    private static WatchEvent Put(string key, byte[] value, long revision, bool ends) =>
        WatchEvent.Put(key, value, revision, revision, 1, 0) with { EndsRevision = ends };

    [Fact]
    public void A_transaction_is_claimed_only_once_its_last_change_is_applied()
    {
        var network = Network("n", "net1");
        var endpoint = Endpoint("ep1", "net1", "sb1");
        var s = ClusterSnapshot.Empty with { Revision = 7 };

        var half = s.Apply(Put(ClusterKeys.Network("n"), RecordCodec.Encode(network), 8, ends: false));
        Assert.Equal(7, half.Revision); // a waiter for revision 8 must not get this one
        var whole = half.Apply(Put(ClusterKeys.Endpoint("net1", "ep1"), RecordCodec.Encode(endpoint), 8, ends: true));
        Assert.Equal(8, whole.Revision);
        Assert.Equal("ep1", Assert.Single(whole.EndpointsOf("net1")).Id);
    }

    [Fact]
    public void Lookups_by_id_follow_updates_moves_and_removals()
    {
        var s = ClusterSnapshot.Empty.With(Network("n", "net1")).With(Endpoint("ep1", "net1", "sb1")).With(Endpoint("ep2", "net1", "sb1"));
        Assert.Equal(["ep1", "ep2"], s.EndpointsOfSandbox("sb1").Select(e => e.Id).Order());

        // The same endpoint id written again under another sandbox moves in the index, it is not listed twice.
        var moved = s.With(Endpoint("ep2", "net1", "sb2"));
        Assert.Equal(["ep1"], moved.EndpointsOfSandbox("sb1").Select(e => e.Id));
        Assert.Equal(["ep2"], moved.EndpointsOfSandbox("sb2").Select(e => e.Id));
        Assert.Equal(2, moved.EndpointsOf("net1").Count());

        // A network name given to a new network: the old id no longer resolves.
        var renewed = moved.With(Network("n", "net2"));
        Assert.Null(renewed.NetworkById("net1"));
        Assert.Equal("n", renewed.NetworkById("net2")!.Name);

        var removed = renewed.Apply(WatchEvent.Delete(ClusterKeys.Endpoint("net1", "ep1"), 9) with { EndsRevision = true });
        Assert.Empty(removed.EndpointsOfSandbox("sb1"));
        Assert.Equal(9, removed.Revision);
    }

    private static HostRecord LiveHost(string id) => new()
    {
        Id = id, Name = id, UnderlayAddress = "198.18.0.9", Incarnation = 1, AgentVersion = "test", StartedAt = At,
    };

    private static HostInfoRecord KnownHost(string id) => new() { Id = id, Name = id, UnderlayAddress = "198.18.0.9", Incarnation = 1 };

    [Fact]
    public void A_lease_that_goes_while_watched_holds_its_host_until_told_otherwise_and_a_return_clears_it()
    {
        var s = ClusterSnapshot.Empty.With(KnownHost("h2")).With(LiveHost("h2"));

        var expired = s.Apply(WatchEvent.Delete(ClusterKeys.Host("h2"), 9) with { EndsRevision = true });
        Assert.False(expired.IsAlive("h2"));
        Assert.True(expired.IsReachable("h2"));
        Assert.Equal("198.18.0.9", expired.VtepOf("h2"));

        var silent = expired.WithHeld([]);
        Assert.False(silent.IsReachable("h2"));
        Assert.Null(silent.VtepOf("h2"));

        var back = expired.Apply(Put(ClusterKeys.Host("h2"), RecordCodec.Encode(LiveHost("h2")), 10, ends: true));
        Assert.True(back.IsAlive("h2"));
        Assert.Empty(back.HeldHosts);
    }

    [Fact]
    public void A_listing_after_an_outage_holds_every_host_that_was_live_and_a_first_listing_holds_none()
    {
        var before = ClusterSnapshot.Empty.With(KnownHost("h2")).With(KnownHost("h3")).With(LiveHost("h2")).With(LiveHost("h3"));
        // Every lease expired during the outage: the listing knows the hosts, none is live.
        var listing = ClusterSnapshot.Empty.With(KnownHost("h2")).With(KnownHost("h3"));

        Assert.Equal(["h2", "h3"], listing.Following(before).HeldHosts.Order(StringComparer.Ordinal));
        Assert.Empty(listing.Following(ClusterSnapshot.Empty).HeldHosts);
        // A host forgotten by the reaper is never held.
        Assert.Empty(ClusterSnapshot.Empty.Following(before).HeldHosts);
    }
}
