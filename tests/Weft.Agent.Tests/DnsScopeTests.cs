using System.Net;
using Weft.Agent.Dns;
using Weft.Cluster;
using Weft.Core.Model;
using Weft.Dns;
using static Weft.Agent.Tests.SnapshotRecords;

namespace Weft.Agent.Tests;

/// <summary>
/// What a sandbox may resolve, from a cluster snapshot alone (<see cref="DnsIndex"/> and <see cref="SandboxScope"/>): its
/// own --add-host entries, the names on its own networks bare and as NAME.NETWORK, PTR for their addresses; nothing of
/// other networks or of dead hosts; NXDOMAIN for what is Weft's to answer and NotMine (upstream) for the rest.
/// </summary>
public sealed class DnsScopeTests
{
    private const string Here = "id-node-1";
    private static readonly NetworkRecord Front = Overlay("front", "10.0.1.0/24", vni: 301);
    private static readonly NetworkRecord Back = Overlay("back", "10.0.2.0/24", vni: 302);
    private static readonly NetworkRecord Other = Overlay("other", "10.0.3.0/24", vni: 303);

    // The client: web1 on node-1, eth0 on front and eth1 on back, with a hostname, the alias "web" and an --add-host.
    private static readonly SandboxRecord Web1 = Sandbox("web1", "node-1", "box", "legacy:10.9.9.9");
    private static readonly SandboxRecord Web2 = Sandbox("web2", "node-2");
    private static readonly SandboxRecord Db = Sandbox("db", "node-2");
    private static readonly SandboxRecord Secret = Sandbox("secret", "node-2");
    private static readonly SandboxRecord Ghost = Sandbox("ghost", "node-3");

    private static readonly ClusterSnapshot Cluster = ClusterSnapshot.Empty
        .With(LiveHost("node-1", "198.18.0.1")).With(LiveHost("node-2", "198.18.0.2"))
        .With(KnownHost("node-3", "198.18.0.3")) // registered once; its lease is gone
        .With(Front).With(Back).With(Other)
        .With(Web1).With(Web2).With(Db).With(Secret).With(Ghost)
        .With(Endpoint(Front, Web1, "10.0.1.2", "eth0", "web"))
        .With(Endpoint(Back, Web1, "10.0.2.2", "eth1"))
        .With(Endpoint(Front, Web2, "10.0.1.3", "eth0", "web", "api"))
        .With(Endpoint(Back, Db, "10.0.2.3", "eth0", "api"))
        .With(Endpoint(Other, Secret, "10.0.3.2"))
        .With(Endpoint(Front, Ghost, "10.0.1.4"));

    private static SandboxScope ScopeOfWeb1(NetworkRecord askedOn, ClusterSnapshot? snapshot = null) =>
        DnsIndex.Build(snapshot ?? Cluster, Here).ScopeFor(askedOn.Id, IPAddress.Parse(askedOn == Back ? "10.0.2.2" : "10.0.1.2"))
        ?? throw new InvalidOperationException("web1 has no scope");

    /// <summary>The answer as one line: "Found 10.0.1.2 10.0.1.3", "NotFound" (NXDOMAIN) or "NotMine" (upstream).</summary>
    private static string Resolve(SandboxScope scope, string name)
    {
        var result = scope.Resolve(name, out var addresses);
        return string.Join(' ', [result.ToString(), .. addresses.Select(a => a.ToString())]);
    }

    private static (LookupResult Result, string? Name) Reverse(SandboxScope scope, string address)
    {
        var result = scope.Reverse(IPAddress.Parse(address), out var name);
        return (result, name);
    }

    [Fact]
    public void The_sandboxs_own_add_host_entries_resolve()
    {
        Assert.Equal("Found 10.9.9.9", Resolve(ScopeOfWeb1(Front), "legacy"));
    }

    [Fact]
    public void An_add_host_entry_wins_over_a_name_on_the_network()
    {
        var pinned = Web1 with { ExtraHosts = [HostEntry.Parse("web2:10.9.9.8")] };

        Assert.Equal("Found 10.9.9.8", Resolve(ScopeOfWeb1(Front, Cluster.With(pinned)), "web2"));
    }

    [Fact]
    public void Names_on_every_network_of_the_sandbox_resolve_bare_on_any_host()
    {
        var scope = ScopeOfWeb1(Front);

        Assert.Equal("Found 10.0.1.3", Resolve(scope, "web2"));   // front, on node-2
        Assert.Equal("Found 10.0.2.3", Resolve(scope, "db"));     // back, its second network
        Assert.Equal("Found 10.0.1.2", Resolve(scope, "box"));    // its own hostname
    }

    [Fact]
    public void Name_dot_network_resolves_only_on_that_network()
    {
        var scope = ScopeOfWeb1(Front);

        Assert.Equal("Found 10.0.1.3", Resolve(scope, "web2.front"));
        Assert.Equal("Found 10.0.2.3", Resolve(scope, "db.back"));
        Assert.Equal("NotFound", Resolve(scope, "db.front"));
        Assert.Equal("NotFound", Resolve(scope, "web2.back"));
    }

    [Fact]
    public void Names_of_networks_the_sandbox_is_not_on_never_resolve_and_never_go_upstream()
    {
        var scope = ScopeOfWeb1(Front);

        Assert.Equal("NotFound", Resolve(scope, "secret"));
        Assert.Equal("NotFound", Resolve(scope, "secret.other"));
        // Secret's own view is the mirror image: web2 is not on its network.
        var secretScope = DnsIndex.Build(Cluster, "id-node-2").ScopeFor(Other.Id, IPAddress.Parse("10.0.3.2"))!;
        Assert.Equal("NotFound", Resolve(secretScope, "web2"));
        Assert.Equal("Found 10.0.3.2", Resolve(secretScope, "secret.other"));
    }

    [Fact]
    public void An_alias_shared_by_several_endpoints_returns_every_address()
    {
        Assert.Equal("Found 10.0.1.2 10.0.1.3", Resolve(ScopeOfWeb1(Front), "web"));
        Assert.Equal("Found 10.0.1.2 10.0.1.3", Resolve(ScopeOfWeb1(Front), "web.front"));
    }

    [Fact]
    public void The_network_a_query_arrives_on_is_searched_first()
    {
        // "api" is web2 on front and db on back.
        Assert.Equal("Found 10.0.1.3", Resolve(ScopeOfWeb1(Front), "api"));
        Assert.Equal("Found 10.0.2.3", Resolve(ScopeOfWeb1(Back), "api"));
    }

    [Fact]
    public void PTR_answers_the_container_name_dot_network_for_addresses_on_the_sandboxs_networks()
    {
        var scope = ScopeOfWeb1(Front);

        Assert.Equal((LookupResult.Found, "web2.front"), Reverse(scope, "10.0.1.3"));
        Assert.Equal((LookupResult.Found, "db.back"), Reverse(scope, "10.0.2.3"));
        // Free addresses of its subnets are Weft's to deny; other networks' and the world's go upstream.
        Assert.Equal((LookupResult.NotFound, null), Reverse(scope, "10.0.1.99"));
        Assert.Equal((LookupResult.NotMine, null), Reverse(scope, "10.0.3.2"));
        Assert.Equal((LookupResult.NotMine, null), Reverse(scope, "192.0.2.1"));
    }

    [Fact]
    public void Endpoints_of_a_dead_host_are_absent_until_its_lease_is_back()
    {
        var scope = ScopeOfWeb1(Front);
        Assert.Equal("NotFound", Resolve(scope, "ghost"));
        Assert.Equal((LookupResult.NotFound, null), Reverse(scope, "10.0.1.4"));

        var revived = ScopeOfWeb1(Front, Cluster.With(LiveHost("node-3", "198.18.0.3")));
        Assert.Equal("Found 10.0.1.4", Resolve(revived, "ghost"));
    }

    [Fact]
    public void Unknown_names_are_NXDOMAIN_when_they_are_Weft_names_and_go_upstream_otherwise()
    {
        var scope = ScopeOfWeb1(Front);

        Assert.Equal("NotFound", Resolve(scope, "nosuch"));          // a single label: a container name
        Assert.Equal("NotFound", Resolve(scope, "nosuch.front"));    // under a Weft network
        Assert.Equal("NotFound", Resolve(scope, "nosuch.other"));    // under any Weft network
        Assert.Equal("NotMine", Resolve(scope, "example.org"));
        Assert.Equal("NotMine", Resolve(scope, "www.front.example.org"));
    }

    [Fact]
    public void A_client_is_known_only_on_a_network_where_it_has_that_address()
    {
        var index = DnsIndex.Build(Cluster, Here);

        Assert.NotNull(index.ScopeFor(Front.Id, IPAddress.Parse("10.0.1.2")));
        Assert.Null(index.ScopeFor(Front.Id, IPAddress.Parse("10.0.1.99")));   // nobody: REFUSED
        Assert.Null(index.ScopeFor(Back.Id, IPAddress.Parse("10.0.1.2")));     // web1's front address, asking on back
        Assert.Null(index.ScopeFor(Front.Id, IPAddress.Parse("10.0.1.4")));    // a dead host's endpoint
    }

    [Fact]
    public void A_local_network_knows_only_this_hosts_endpoints()
    {
        var lan = Network("lan", NetworkDriver.Bridge, "10.0.20.0/24");
        var near = Sandbox("near", "node-1");
        var far = Sandbox("far", "node-2");
        var snapshot = Cluster.With(lan).With(near).With(far)
            .With(Endpoint(lan, near, "10.0.20.2")).With(Endpoint(lan, far, "10.0.20.3"));

        var scope = DnsIndex.Build(snapshot, Here).ScopeFor(lan.Id, IPAddress.Parse("10.0.20.2"))!;

        Assert.Equal("Found 10.0.20.2", Resolve(scope, "near.lan"));
        Assert.Equal("NotFound", Resolve(scope, "far"));
    }
}
