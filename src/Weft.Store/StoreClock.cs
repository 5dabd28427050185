namespace Weft.Store;

/// <summary>
/// One reading of the store's clock: the time the store's server put in its answer, and this host's clock just before
/// the request and just after the answer. etcd's API has no time field, but its HTTP gateway dates every answer (the
/// HTTP Date header, to the second), which is what <see cref="Weft.Store"/>'s etcd client reads.
/// </summary>
/// <param name="ServerTime">The server's Date, truncated to <paramref name="Resolution"/>.</param>
public sealed record StoreClockSample(DateTimeOffset ServerTime, TimeSpan Resolution, DateTimeOffset SentAt, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// How far this host's clock is from the store's at least: zero when the reading cannot tell them apart, else the
    /// distance from the window the server's time must lie in (its Date plus the resolution, widened by the round trip)
    /// to this host's clock; positive when this host is ahead.
    /// </summary>
    public TimeSpan SkewAtLeast
    {
        get
        {
            var earliest = ServerTime;
            var latest = ServerTime + Resolution;
            // The server stamped its answer somewhere between our send and our receive.
            if (ReceivedAt < earliest)
            {
                return ReceivedAt - earliest;
            }
            return SentAt > latest ? SentAt - latest : TimeSpan.Zero;
        }
    }

    /// <summary>The reading's own blur: the round trip plus the Date header's resolution.</summary>
    public TimeSpan Uncertainty => ReceivedAt - SentAt + Resolution;
}
