using System.Net;
using Weft.Linux.Events;
using Weft.Linux.Links;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

[RequiresRoot]
public sealed class EventTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public async Task Link_neighbor_and_fdb_changes_arrive_as_typed_events()
    {
        var (ns, nl) = _namespaces.CreateWithNetlink("ev");
        await using var watcher = NetlinkWatcher.Start(EventGroups.Links | EventGroups.Neighbors, ns);

        var vx = nl.AddLink(new Vxlan { Name = "vxev0", Vni = 777, Up = true });
        var added = await Next<LinkEvent>(watcher, e => e.Link.Name == "vxev0");
        Assert.Equal(ChangeKind.NewOrChanged, added.Change);
        Assert.Equal(777, Assert.IsType<Vxlan>(added.Link).Vni);
        Assert.Equal(vx.Index, added.Link.Index);

        var mac = MacAddresses.Parse("02:42:0a:00:0a:07");
        nl.AddNeighbor(new Neighbor(vx.Index, IPAddress.Parse("10.0.10.7")) { MacAddress = mac });
        var neighbor = await Next<NeighborEvent>(watcher, e => e.Neighbor.Address.Equals(IPAddress.Parse("10.0.10.7")));
        Assert.Equal(ChangeKind.NewOrChanged, neighbor.Change);
        Assert.Equal(mac, neighbor.Neighbor.MacAddress);
        Assert.Equal(NeighborState.Permanent, neighbor.Neighbor.State);

        nl.AddFdb(new FdbEntry(vx.Index, mac) { Destination = IPAddress.Parse("198.18.0.7") });
        var fdb = await Next<FdbEvent>(watcher, e => e.Entry.MacAddress.Equals(mac));
        Assert.Equal(ChangeKind.NewOrChanged, fdb.Change);
        Assert.Equal(IPAddress.Parse("198.18.0.7"), fdb.Entry.Destination);
        Assert.Equal(vx.Index, fdb.Entry.LinkIndex);

        nl.DeleteFdb(new FdbEntry(vx.Index, mac) { Destination = IPAddress.Parse("198.18.0.7") });
        Assert.Equal(ChangeKind.Deleted, (await Next<FdbEvent>(watcher, e => e.Entry.MacAddress.Equals(mac))).Change);

        nl.DeleteLink("vxev0");
        var deleted = await Next<LinkEvent>(watcher, e => e.Link.Name == "vxev0" && e.Change == ChangeKind.Deleted);
        Assert.Equal(vx.Index, deleted.Link.Index);
    }

    [Fact]
    public async Task A_watcher_sees_only_its_own_namespace()
    {
        var (ns, _) = _namespaces.CreateWithNetlink("ew");
        var (_, other) = _namespaces.CreateWithNetlink("ex");
        await using var watcher = NetlinkWatcher.Start(EventGroups.Links, ns);
        other.AddLink(new Bridge { Name = "elsewhere0" });
        using var nl = ns.OpenNetlink();
        nl.AddLink(new Bridge { Name = "here0" });
        var first = await Next<LinkEvent>(watcher, _ => true);
        Assert.Equal("here0", first.Link.Name);
    }

    [Fact]
    public async Task Watchers_of_many_namespaces_each_get_their_own_events_and_a_disposed_one_ends_its_stream()
    {
        // Every watcher shares the process's one event thread: none may miss its events or see another's.
        var watched = Enumerable.Range(0, 6).Select(i => _namespaces.CreateWithNetlink($"em{i}")).ToList();
        var watchers = watched.Select(w => NetlinkWatcher.Start(EventGroups.Links, w.Namespace)).ToList();
        try
        {
            for (var i = 0; i < watched.Count; i++)
            {
                watched[i].Netlink.AddLink(new Bridge { Name = $"many{i}" });
            }
            for (var i = 0; i < watched.Count; i++)
            {
                var first = await Next<LinkEvent>(watchers[i], _ => true);
                Assert.Equal($"many{i}", first.Link.Name);
            }

            watchers[0].Dispose();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var _ in watchers[0].ReadAllAsync(timeout.Token))
            {
                // Whatever was queued before the end; the stream must then end rather than wait.
            }
            watched[1].Netlink.AddLink(new Bridge { Name = "after0" });
            Assert.Equal("after0", (await Next<LinkEvent>(watchers[1], e => e.Link.Name == "after0")).Link.Name);
        }
        finally
        {
            foreach (var w in watchers)
            {
                w.Dispose();
            }
        }
    }

    private static async Task<T> Next<T>(NetlinkWatcher watcher, Func<T, bool> match)
        where T : NetlinkEvent
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in watcher.ReadAllAsync(timeout.Token))
        {
            if (e is T typed && match(typed))
            {
                return typed;
            }
        }

        throw new InvalidOperationException("event stream ended");
    }
}
