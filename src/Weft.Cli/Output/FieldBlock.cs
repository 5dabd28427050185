namespace Weft.Cli.Output;

/// <summary>A readable block of `Label:  value` lines with the values lined up, for inspect and status.</summary>
internal sealed class FieldBlock
{
    private readonly List<(string Label, string Value)> _fields = [];

    public FieldBlock Add(string label, string? value)
    {
        _fields.Add((label, string.IsNullOrEmpty(value) ? Display.None : value));
        return this;
    }

    public void WriteTo(TextWriter writer, string indent = "")
    {
        var width = _fields.Count == 0 ? 0 : _fields.Max(f => f.Label.Length) + 1;
        foreach (var (label, value) in _fields)
        {
            writer.WriteLine($"{indent}{(label + ":").PadRight(width)}  {value}");
        }
    }
}
