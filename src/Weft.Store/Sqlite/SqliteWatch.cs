using System.Threading.Channels;

namespace Weft.Store.Sqlite;

/// <summary>
/// A watch on the embedded store: it reads the event log from the next revision it owes, in batches of whole
/// revisions, and sleeps on the change feed in between. Because the log and the data are written in the same
/// transaction, reading the log in revision order gives every change exactly once.
/// </summary>
internal sealed class SqliteWatch(SqliteDatabase database, SqliteChangeFeed feed, string prefix, long fromRevision)
{
    // Bounded so a watch far behind catches up in steps instead of one huge read.
    private const long RevisionsPerBatch = 1000;

    private sealed record Batch(long CompactRevision, long Upper, List<WatchEvent> Events);

    public async Task RunAsync(ChannelWriter<WatchEvent> output, CancellationToken cancellationToken)
    {
        using var subscription = feed.Subscribe();
        var start = KeyRange.Encode(prefix);
        var end = KeyRange.PrefixEnd(start);
        var next = fromRevision;
        var outage = false;
        while (true)
        {
            var changed = feed.NextChange();
            Batch batch;
            try
            {
                if (next == 0) next = database.Read(sql => sql.Revision()) + 1;
                batch = database.Read(sql => ReadBatch(sql, next, start, end));
            }
            catch (StoreException e)
            {
                if (!outage) await output.WriteAsync(WatchEvent.Unavailable(next, e.Message), cancellationToken);
                outage = true;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                continue;
            }
            if (outage) await output.WriteAsync(WatchEvent.Resumed(next), cancellationToken);
            outage = false;
            if (next < batch.CompactRevision)
            {
                await output.WriteAsync(WatchEvent.Compacted(batch.CompactRevision), cancellationToken);
                return;
            }
            foreach (var e in batch.Events)
                await output.WriteAsync(e, cancellationToken);
            var caughtUp = batch.Upper < next + RevisionsPerBatch - 1;
            next = Math.Max(next, batch.Upper + 1);
            if (caughtUp)
                await changed.WaitAsync(cancellationToken);
        }
    }

    private static Batch ReadBatch(SqliteStatements sql, long next, byte[] start, byte[]? end)
    {
        var compact = sql.CompactRevision();
        var upper = Math.Min(sql.Revision(), next + RevisionsPerBatch - 1);
        var events = new List<WatchEvent>();
        if (next < compact || upper < next)
            return new Batch(compact, upper, events);
        var query = end is null
            ? "SELECT revision, kind, key, value, create_revision, version, lease FROM events WHERE revision BETWEEN $from AND $to AND key >= $a ORDER BY revision, id"
            : "SELECT revision, kind, key, value, create_revision, version, lease FROM events WHERE revision BETWEEN $from AND $to AND key >= $a AND key < $b ORDER BY revision, id";
        using var reader = sql.Command(query, ("$from", next), ("$to", upper), ("$a", start), ("$b", end)).ExecuteReader();
        while (reader.Read())
        {
            var revision = reader.GetInt64(0);
            if (events.Count > 0 && events[^1].Revision != revision)
            {
                events[^1] = events[^1] with { EndsRevision = true };
            }
            var key = KeyRange.Decode((byte[])reader[2]);
            events.Add(reader.GetInt32(1) == SqliteWriteTxn.KindDelete
                ? WatchEvent.Delete(key, revision)
                : WatchEvent.Put(key, (byte[])reader[3], revision, reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
        }
        // A batch holds whole revisions, so its last change ends one.
        if (events.Count > 0)
        {
            events[^1] = events[^1] with { EndsRevision = true };
        }
        return new Batch(compact, upper, events);
    }
}
