using Microsoft.Data.Sqlite;

namespace Weft.Store.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Sqlite_opens()
    {
        using var c = new SqliteConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select sqlite_version()";
        Assert.StartsWith("3.", (string)cmd.ExecuteScalar()!);
    }
}
