using Weft.Store.Etcd;
using Weft.Store.Sqlite;

namespace Weft.Store;

/// <summary>
/// Opens a cluster store from a URL; the scheme picks the backend.
/// <list type="bullet">
/// <item><c>etcd://127.0.0.1:2379,10.0.0.2:2379</c>: etcd v3 over its JSON gateway; several endpoints fail over in order.</item>
/// <item><c>etcds://host:2379?cacert=/ca.pem&amp;cert=/client.pem&amp;key=/client-key.pem</c>: the same over TLS, with a
/// client certificate when cert and key are given.</item>
/// <item>Either etcd form accepts <c>user=NAME&amp;password=SECRET</c> for etcd authentication. Options set in
/// <see cref="ClusterStoreOptions"/> win over query parameters.</item>
/// <item><c>sqlite:///var/lib/weft/store.db</c>: the embedded store, a SQLite file shared by the processes of one machine.</item>
/// </list>
/// </summary>
public static class ClusterStore
{
    /// <summary>Opens the store and checks that it answers.</summary>
    /// <exception cref="StoreUnavailableException">The store cannot be reached; the message names the URL.</exception>
    /// <exception cref="ArgumentException">The URL is malformed.</exception>
    public static async Task<IClusterStore> OpenAsync(string url, ClusterStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var parsed = StoreUrl.Parse(url);
        options ??= new ClusterStoreOptions();
        // Checked before anything is opened, so a bad prefix leaves nothing behind.
        var prefix = options.KeyPrefix is null ? null : PrefixedClusterStore.Validate(options.KeyPrefix);
        var store = parsed.IsEtcd
            ? await EtcdClusterStore.OpenAsync(parsed, options, cancellationToken)
            : SqliteClusterStore.Open(parsed, options);
        return prefix is null ? store : new PrefixedClusterStore(store, prefix);
    }
}
