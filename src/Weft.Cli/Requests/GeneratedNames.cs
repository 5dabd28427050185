namespace Weft.Cli.Requests;

/// <summary>
/// A name for a sandbox started without --name, Docker's way: adjective-noun. Docker joins them with `_`; Weft uses `-`,
/// because a sandbox's name is also its DNS name on its networks, and `_` is not valid in a host name (RFC 1123). The
/// agent refuses a name that is taken (`duplicate`), and the caller then asks for another.
/// </summary>
internal static class GeneratedNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "brave", "calm", "clever", "cosmic", "crisp", "daring", "eager", "fancy", "gentle", "happy", "jolly",
        "keen", "lively", "lucid", "merry", "mighty", "nimble", "noble", "plucky", "quick", "quiet", "rapid", "serene",
        "sharp", "shiny", "silent", "steady", "sunny", "swift", "tidy", "vivid", "wise", "witty", "zesty", "bold",
    ];

    private static readonly string[] Nouns =
    [
        "babbage", "bohr", "curie", "darwin", "dijkstra", "einstein", "euler", "faraday", "fermi", "gauss", "hopper",
        "hypatia", "kepler", "knuth", "lamarr", "lovelace", "maxwell", "meitner", "newton", "noether", "pascal", "planck",
        "ritchie", "shannon", "tesla", "thompson", "torvalds", "turing", "wozniak", "yalow", "galileo", "hamilton",
    ];

    /// <summary>How many names to try before giving up: the agent refusing this many in a row means something else is wrong.</summary>
    public const int Attempts = 8;

    /// <summary>A fresh name; from the <paramref name="attempt"/>-th on (a crowded cluster) with a random number after it.</summary>
    public static string Next(int attempt = 0)
    {
        var name = $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Nouns[Random.Shared.Next(Nouns.Length)]}";
        return attempt < 3 ? name : $"{name}-{Random.Shared.Next(1000, 10000)}";
    }
}
