using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// Prepared commands on one connection, cached by their (constant) SQL text so that hot statements are parsed once.
/// </summary>
internal sealed class SqliteStatements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
#pragma warning disable CA2100 // Every caller passes a constant; values always travel as parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            _commands[sql] = command;
        }
        foreach (var (name, value) in parameters)
        {
            var p = command.Parameters.Contains(name) ? command.Parameters[name] : command.Parameters.Add(new SqliteParameter { ParameterName = name });
            p.Value = value ?? DBNull.Value;
        }
        return command;
    }

    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) => Command(sql, parameters).ExecuteNonQuery();

    public long Scalar(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Command(sql, parameters).ExecuteScalar() switch
        {
            long v => v,
            null or DBNull => 0,
            var other => Convert.ToInt64(other, System.Globalization.CultureInfo.InvariantCulture),
        };

    public long Revision() => Scalar("SELECT value FROM meta WHERE name = 'revision'");

    public long CompactRevision() => Scalar("SELECT value FROM meta WHERE name = 'compact_revision'");

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
    }
}
