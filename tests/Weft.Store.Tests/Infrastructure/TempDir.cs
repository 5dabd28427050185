namespace Weft.Store.Tests.Infrastructure;

/// <summary>A /tmp/wtt-store-XXXX directory for one test, deleted on dispose (also when the test failed).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("wtt-store-").FullName;

    public string Path { get; }

    public string SqliteUrl(string name = "store.db") => "sqlite://" + System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
