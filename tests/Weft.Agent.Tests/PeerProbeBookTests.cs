using System.Net;
using Weft.Agent.Liveness;
using Weft.Cluster;
using static Weft.Agent.Tests.SnapshotRecords;

namespace Weft.Agent.Tests;

/// <summary>Which lease-less peers are probed, and when a peer counts as answering or silent.</summary>
public sealed class PeerProbeBookTests
{
    private const string Here = "id-node-1";
    private static readonly IPAddress Vtep2 = IPAddress.Parse("198.18.0.2");

    private static readonly ClusterSnapshot Cluster = ClusterSnapshot.Empty
        .With(KnownHost("node-1", "198.18.0.1")).With(LiveHost("node-1", "198.18.0.1"))
        .With(KnownHost("node-2", "198.18.0.2")).With(KnownHost("node-3", "198.18.0.3")).With(LiveHost("node-3", "198.18.0.3"));

    [Fact]
    public void Only_known_peers_whose_lease_is_gone_are_probed_and_a_return_stops_it()
    {
        var book = new PeerProbeBook(Here);

        Assert.Equal(["id-node-2"], book.Track(Cluster));
        Assert.Equal([("id-node-2", Vtep2)], book.Probed);
        Assert.Empty(book.Track(Cluster)); // already probed
        book.Track(Cluster.With(LiveHost("node-2", "198.18.0.2")));
        Assert.Empty(book.Probed);
    }

    [Fact]
    public void A_peer_answers_until_three_probes_in_a_row_go_unanswered_and_an_answer_brings_it_back()
    {
        var book = new PeerProbeBook(Here);
        book.Track(Cluster);
        Assert.Equal(PeerVerdict.Undecided, book.VerdictOf("id-node-2"));
        Assert.True(book.AnyUndecided);

        book.Sent("id-node-2");
        book.Answered(new HashSet<IPAddress> { Vtep2 });
        Assert.Equal(PeerVerdict.Answering, book.VerdictOf("id-node-2"));
        Assert.Equal(["id-node-2"], book.Held(Cluster));

        book.Sent("id-node-2");
        book.Sent("id-node-2");
        Assert.Equal(PeerVerdict.Answering, book.VerdictOf("id-node-2"));
        book.Sent("id-node-2");
        Assert.Equal(PeerVerdict.Silent, book.VerdictOf("id-node-2"));
        Assert.Empty(book.Held(Cluster.WithHeld(["id-node-2"])));

        book.Answered(new HashSet<IPAddress> { Vtep2 });
        Assert.Equal(PeerVerdict.Answering, book.VerdictOf("id-node-2"));
    }

    [Fact]
    public void An_undecided_peer_keeps_what_the_view_held_and_a_never_answering_one_goes_silent()
    {
        var book = new PeerProbeBook(Here);
        book.Track(Cluster);
        var held = Cluster.WithHeld(["id-node-2"]);

        Assert.Equal(["id-node-2"], book.Held(held)); // its lease just went: held until the probe has spoken
        Assert.Empty(book.Held(Cluster)); // found lease-less at start: not added before it answers
        for (var i = 0; i < PeerProbeBook.DefaultSilentAfter; i++)
        {
            book.Sent("id-node-2");
        }
        Assert.Equal(PeerVerdict.Silent, book.VerdictOf("id-node-2"));
        Assert.False(book.AnyUndecided);
        Assert.Empty(book.Held(held));
    }
}
