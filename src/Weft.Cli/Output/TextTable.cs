using System.Text;

namespace Weft.Cli.Output;

/// <summary>
/// An aligned plain-text table like `docker ps` prints: upper-case headers, columns three spaces apart, no
/// borders and no colour, so it reads the same in a terminal, a log and through grep or awk.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private const string ColumnGap = "   ";
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public void AddRow(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row has {cells.Length} cells; the table has {headers.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows.Prepend(headers))
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var line = new StringBuilder();
        foreach (var row in _rows.Prepend(headers))
        {
            line.Clear();
            for (var i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1)
                {
                    line.Append(' ', widths[i] - row[i].Length).Append(ColumnGap);
                }
            }

            // A short last cell would otherwise leave the padding of earlier empty cells at the end of the line.
            writer.WriteLine(line.ToString().TrimEnd());
        }
    }
}
