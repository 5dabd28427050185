using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>`weft agent`'s operator options refuse a bad value by name before anything starts.</summary>
public class AgentOptionTests
{
    [Theory]
    [InlineData("--store-prefix", "prod", "--store-prefix: store prefix 'prod' must be / followed by segments")]
    [InlineData("--store-prefix", "/prod/", "--store-prefix: store prefix '/prod/'")]
    [InlineData("--metrics-addr", "localhost", "--metrics-addr 'localhost' must be IP:PORT")]
    [InlineData("--metrics-addr", "127.0.0.1", "--metrics-addr '127.0.0.1' must be IP:PORT")]
    [InlineData("--log-format", "xml", "xml")]
    [InlineData("--log-level", "loud", "loud")]
    public async Task A_bad_value_is_refused_by_name(string option, string value, string expected)
    {
        var run = await InProcessCli.RunAsync("agent", "--store", "sqlite:///nonexistent/weft.db", option, value);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_operator_options()
    {
        var run = await InProcessCli.RunAsync("agent", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--store-prefix", "--metrics-addr", "--log-format", "--log-level" })
        {
            Assert.Contains(option, run.Stdout, StringComparison.Ordinal);
        }
    }
}
