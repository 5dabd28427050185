namespace Weft.Store;

/// <summary>
/// Settings for <see cref="ClusterStore.OpenAsync"/>. Properties left null fall back to the URL's query parameters
/// (see <see cref="ClusterStore"/>), so a URL alone can describe a store.
/// </summary>
public sealed class ClusterStoreOptions
{
    /// <summary>
    /// A key prefix of this cluster's own (<see cref="PrefixedClusterStore"/>), so that several clusters can share one
    /// store; null: none.
    /// </summary>
    public string? KeyPrefix { get; set; }

    // --- etcd ---

    /// <summary>etcd user for <c>/v3/auth/authenticate</c>; URL parameter <c>user</c>.</summary>
    public string? Username { get; set; }

    /// <summary>Password for <see cref="Username"/>; URL parameter <c>password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>PEM client certificate for etcds:// (mutual TLS); URL parameter <c>cert</c>.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>PEM private key of the client certificate; URL parameter <c>key</c>.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>PEM CA bundle that signs the servers' certificates; URL parameter <c>cacert</c>. Unset: the system store.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Limit for one unary request, including failover across endpoints.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for a TCP connect before trying the next endpoint.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// HTTP/1.1 connections kept per endpoint. The gateway does not speak HTTP/2 without TLS (etcd routes cleartext h2
    /// to its gRPC server), so concurrency comes from pooled keep-alive connections.
    /// </summary>
    public int MaxConnectionsPerEndpoint { get; set; } = 64;

    // --- embedded SQLite ---

    /// <summary>Create the database file when it does not exist (its directory must exist).</summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>How many revisions of event history the embedded store keeps for watches before compacting.</summary>
    public long EventRetention { get; set; } = 50_000;

    /// <summary>
    /// Commits of other processes wake a process's watches through inotify on the store's directory; this is how often
    /// it also checks without an event (PRAGMA data_version, no disk I/O), for whatever inotify might not report.
    /// </summary>
    public TimeSpan WatchSafetyPoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest each process goes without looking for leases past their deadline (whoever holds them may be dead).
    /// It also looks at the earliest lease deadline it knows of and after every commit, so this only bounds the wait.
    /// </summary>
    public TimeSpan LeaseSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a writer waits for another process's write lock before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
