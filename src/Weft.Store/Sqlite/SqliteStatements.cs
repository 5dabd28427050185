using Microsoft.Data.Sqlite;

namespace Weft.Store.Sqlite;

/// <summary>
/// Prepared commands on one connection, cached by their (constant) SQL text so that hot statements are parsed once.
/// Transactions go through ADO.NET (<see cref="Begin"/>), never raw BEGIN/COMMIT text: the connection then knows its
/// transaction, and a connection that goes back to the pool, or is disposed after a failure, has it rolled back
/// instead of carrying it into its next use ("cannot start a transaction within a transaction").
/// </summary>
/// <param name="ownsConnection">Whether disposing these statements also closes the connection (a reader session).</param>
internal sealed class SqliteStatements(SqliteConnection connection, bool ownsConnection = false) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;

    /// <summary>
    /// Starts the connection's one transaction: deferred for reads (a snapshot, no lock), immediate for writes (the
    /// write lock now, waiting up to the busy timeout). Dispose it to roll back whatever was not committed.
    /// </summary>
    public SqliteTransaction Begin(bool immediate)
    {
        if (_transaction is { Connection: not null })
        {
            throw new InvalidOperationException("a transaction is already open on this connection");
        }
        _transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: !immediate);
        return _transaction;
    }

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
        // Microsoft.Data.Sqlite requires a command to name the connection's open transaction.
        command.Transaction = _transaction is { Connection: not null } open ? open : null;
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
        _transaction?.Dispose();
        if (ownsConnection) connection.Dispose();
    }
}
