using System.Net;
using Weft.Linux.Links;
using Weft.Linux.Packets;
using Weft.Linux.Routing;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>The peer probe's ICMP echo against a real kernel: an address that exists answers, one that does not stays silent.</summary>
[RequiresRoot]
public sealed class EchoProbeTests : IDisposable
{
    private readonly TestNamespaces _namespaces = new();

    public void Dispose() => _namespaces.Dispose();

    [Fact]
    public void The_kernel_answers_echo_for_its_addresses_in_both_families_and_a_missing_host_stays_silent()
    {
        var (ns, nl) = _namespaces.CreateWithNetlink("echo");
        nl.AddLink(new Veth { Name = "d0", PeerName = "d0p", Up = true });
        nl.SetLinkUp("d0p");
        nl.SetLinkUp("lo");
        nl.AddAddress("d0", IPAddress.Parse("10.1.0.1"), 24);
        nl.AddAddress("d0", IPAddress.Parse("fd00:1::1"), 64, AddressFlags.NoDad);
        var v4 = IPAddress.Parse("10.1.0.1");
        var v6 = IPAddress.Parse("fd00:1::1");
        var missing = IPAddress.Parse("10.1.0.9");

        var answered = ns.Run(() =>
        {
            using var probe = new EchoProbe();
            var seen = new HashSet<IPAddress>();
            for (var round = 0; round < 20 && !(seen.Contains(v4) && seen.Contains(v6)); round++)
            {
                Assert.True(probe.Send(v4));
                Assert.True(probe.Send(v6));
                probe.Send(missing); // no neighbour answers: sent, never replied to
                Thread.Sleep(100);
                seen.UnionWith(probe.DrainReplies());
            }
            Thread.Sleep(1200);
            seen.UnionWith(probe.DrainReplies());
            return seen;
        });

        Assert.Contains(v4, answered);
        Assert.Contains(v6, answered);
        Assert.DoesNotContain(missing, answered);
    }
}
