namespace Weft.Cluster.Tests;

/// <summary>Which stores an agent accepts, from the cluster id it recorded and the one the store holds.</summary>
public sealed class ClusterIdentityTests
{
    private const string A = "aaaa", B = "bbbb";

    [Fact]
    public void The_recorded_cluster_is_joined() =>
        Assert.Equal(ClusterJoin.Join, ClusterIdentity.Decide(A, A, hostIsNew: false, storeKnowsHost: false, joinNew: false).Action);

    [Fact]
    public void An_empty_or_replaced_store_is_refused_naming_the_recorded_cluster()
    {
        var (action, problem) = ClusterIdentity.Decide(A, null, hostIsNew: false, storeKnowsHost: false, joinNew: false);
        Assert.Equal(ClusterJoin.Refuse, action);
        Assert.Contains(A, problem, StringComparison.Ordinal);
        Assert.Contains("no cluster id", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_cluster_is_refused_naming_both()
    {
        var (action, problem) = ClusterIdentity.Decide(A, B, hostIsNew: false, storeKnowsHost: true, joinNew: false);
        Assert.Equal(ClusterJoin.Refuse, action);
        Assert.Contains(A, problem, StringComparison.Ordinal);
        Assert.Contains(B, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Join_new_cluster_accepts_another_or_an_empty_store_on_purpose()
    {
        Assert.Equal(ClusterJoin.Join, ClusterIdentity.Decide(A, B, false, false, joinNew: true).Action);
        Assert.Equal(ClusterJoin.Create, ClusterIdentity.Decide(A, null, false, false, joinNew: true).Action);
    }

    [Fact]
    public void A_new_host_joins_or_founds_a_cluster()
    {
        Assert.Equal(ClusterJoin.Join, ClusterIdentity.Decide(null, B, hostIsNew: true, storeKnowsHost: false, joinNew: false).Action);
        Assert.Equal(ClusterJoin.Create, ClusterIdentity.Decide(null, null, hostIsNew: true, storeKnowsHost: false, joinNew: false).Action);
    }

    [Fact]
    public void An_upgraded_host_adopts_a_store_without_id_only_when_the_store_knows_it()
    {
        Assert.Equal(ClusterJoin.Create, ClusterIdentity.Decide(null, null, hostIsNew: false, storeKnowsHost: true, joinNew: false).Action);
        Assert.Equal(ClusterJoin.Join, ClusterIdentity.Decide(null, B, hostIsNew: false, storeKnowsHost: true, joinNew: false).Action);
        Assert.Equal(ClusterJoin.Refuse, ClusterIdentity.Decide(null, null, hostIsNew: false, storeKnowsHost: false, joinNew: false).Action);
        Assert.Equal(ClusterJoin.Refuse, ClusterIdentity.Decide(null, B, hostIsNew: false, storeKnowsHost: false, joinNew: false).Action);
    }
}
