using System.Collections.Concurrent;
using System.Text.Json;
using Weft.Core.Naming;

namespace Weft.Agent.Endpoints;

/// <summary>
/// The agent's intents, one file each under the run directory (tmpfs: they live exactly as long as the kernel state
/// they describe, so a reboot forgets both). A file is written whole (temporary name, then rename) before its operation
/// starts and deleted when the operation has finished or been undone, so after a crash at any point the next start
/// finds every operation that was in flight, and nothing else.
/// </summary>
public sealed class IntentJournal
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, Intent> _stale = new(StringComparer.Ordinal);

    public IntentJournal(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                File.Delete(file); // never renamed: its operation had not started
                continue;
            }
            var intent = Read(file);
            _stale[intent.Id] = intent;
        }
    }

    /// <summary>Intents a previous agent left: operations a crash cut short, to be settled.</summary>
    public IReadOnlyCollection<Intent> Stale => [.. _stale.Values.OrderBy(i => i.At)];

    /// <summary>The sandboxes a stale intent removes whole; nothing is to be built for them meanwhile.</summary>
    public IReadOnlySet<string> SettlingSandboxes => _stale.Values.Where(i => i.CoversSandbox).Select(i => i.SandboxId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Records an operation before it starts.</summary>
    public Intent Begin(IntentKind kind, string sandboxName, string sandboxId, IReadOnlyList<IntentEndpoint> endpoints, string? ownNamespace)
    {
        var intent = new Intent
        {
            Id = WeftIds.New()[..16],
            Kind = kind,
            SandboxName = sandboxName,
            SandboxId = sandboxId,
            Endpoints = endpoints,
            OwnNamespace = ownNamespace,
            At = DateTimeOffset.UtcNow,
        };
        var path = PathOf(intent.Id);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(intent, IntentJsonContext.Default.Intent));
        File.Move(temp, path);
        return intent;
    }

    /// <summary>An operation could not be finished or undone now (the store is down): its intent is settled later, as a crash's would be.</summary>
    public void Keep(Intent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        _stale[intent.Id] = intent;
    }

    public bool IsStale(Intent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return _stale.ContainsKey(intent.Id);
    }

    /// <summary>The operation finished, or was undone, or a stale intent was settled.</summary>
    public void End(Intent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        File.Delete(PathOf(intent.Id));
        _stale.TryRemove(intent.Id, out _);
    }

    private string PathOf(string id) => Path.Combine(_directory, id + ".json");

    private static Intent Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), IntentJsonContext.Default.Intent)
                ?? throw new InvalidDataException($"intent {file} is empty");
        }
        catch (JsonException e)
        {
            // A file the agent wrote whole and renamed cannot be half a file; one that does not parse was put there by
            // hand or by another version. Guessing what it meant could delete the wrong sandbox: stop and say so.
            throw new InvalidDataException($"intent {file} cannot be read ({e.Message}); move it away after checking which sandbox it names", e);
        }
    }
}
