namespace Weft.Store.Etcd;

/// <summary>etcd answered with a gRPC error status (carried in the gateway's error body).</summary>
internal sealed class EtcdRpcException(string location, int grpcCode, string message)
    : StoreException(location, $"etcd error {grpcCode}: {message}")
{
    public const int NotFound = 5;
    public const int OutOfRange = 11;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;
    public const int InvalidArgument = 3;
    public const int FailedPrecondition = 9;

    public int GrpcCode { get; } = grpcCode;

    public string RpcMessage { get; } = message;

    /// <summary>Errors that another endpoint (or a moment later) may not have: no leader, member stopping.</summary>
    public bool IsTransient => GrpcCode is Unavailable or 4 /* DeadlineExceeded */ or 10 /* Aborted */;

    public bool IsInvalidToken => GrpcCode == Unauthenticated && RpcMessage.Contains("invalid auth token", StringComparison.Ordinal);
}
