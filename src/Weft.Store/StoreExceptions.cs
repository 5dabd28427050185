namespace Weft.Store;

/// <summary>A store operation failed. The message names the store's location.</summary>
public class StoreException : Exception
{
    public StoreException(string location, string message, Exception? innerException = null)
        : base($"{message} (store {location})", innerException)
    {
        Location = location;
    }

    /// <summary>The store URL without secrets.</summary>
    public string Location { get; }
}

/// <summary>The store could not be reached at all (every endpoint refused, timed out, or the file cannot be opened).</summary>
public sealed class StoreUnavailableException(string location, string message, Exception? innerException = null)
    : StoreException(location, message, innerException);

/// <summary>The lease does not exist: it expired, was revoked, or never existed.</summary>
public sealed class LeaseNotFoundException(string location, long leaseId)
    : StoreException(location, $"lease {leaseId:x} not found (expired or revoked)")
{
    public long LeaseId { get; } = leaseId;
}
