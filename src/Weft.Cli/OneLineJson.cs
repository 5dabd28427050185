using System.Text.Encodings.Web;
using System.Text.Json;
using Weft.Api;

namespace Weft.Cli;

/// <summary>
/// The API's shapes on one line, quotes left as quotes: one error is one line of stderr. A holder of its own, so that the
/// options are made when an error is first written as JSON, not at every start-up.
/// </summary>
internal static class OneLineJson
{
    public static readonly ApiJsonContext Context = new(new JsonSerializerOptions(ApiJsonContext.Default.Options)
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
