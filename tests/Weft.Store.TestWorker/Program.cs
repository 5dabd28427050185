using System.Buffers.Binary;
using System.Globalization;
using Weft.Store;

// Usage:
//   cas URL KEY COUNT         increment the 8-byte counter at KEY COUNT times with compare-and-swap; prints "done RETRIES"
//   hold URL KEY TTL_MS       put KEY on a lease kept alive in the background; prints "ready LEASE" and waits to be killed
if (args.Length < 4)
{
    await Console.Error.WriteLineAsync("usage: Weft.Store.TestWorker cas|hold URL KEY N");
    return 2;
}
var (command, url, key) = (args[0], args[1], args[2]);
var n = long.Parse(args[3], CultureInfo.InvariantCulture);
await using var store = await ClusterStore.OpenAsync(url);
switch (command)
{
    case "cas":
        Console.WriteLine("ready");
        var retries = 0L;
        for (var i = 0; i < n; i++)
        {
            while (true)
            {
                var current = await store.GetAsync(key);
                var value = current is null ? 0 : BinaryPrimitives.ReadInt64BigEndian(current.Value);
                var next = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(next, value + 1);
                var guard = current is null ? Compare.Absent(key) : Compare.ModRevisionIs(key, current.ModRevision);
                var result = await store.TxnAsync(Txn.If(guard).Then(TxnOp.Put(key, next)));
                if (result.Succeeded) break;
                retries++;
            }
        }
        Console.WriteLine($"done {retries}");
        return 0;
    case "hold":
        var lease = await store.GrantHeldLeaseAsync(TimeSpan.FromMilliseconds(n));
        await store.PutAsync(key, "held"u8.ToArray(), lease.Id);
        Console.WriteLine($"ready {lease.Id}");
        await Task.Delay(Timeout.Infinite, lease.Lost);
        return 1;
    default:
        await Console.Error.WriteLineAsync($"unknown command {command}");
        return 2;
}
