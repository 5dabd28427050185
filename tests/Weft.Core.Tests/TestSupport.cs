using System.Net;
using Weft.Core.Addressing;
using Weft.Core.Errors;

namespace Weft.Core.Tests;

internal static class T
{
    public static IPAddress Ip(string text) => IpAddressText.Parse(text);

    public static IpNetwork Net(string text) => IpNetwork.Parse(text);

    /// <summary>Asserts the action breaks a rule with this code, and that the message names <paramref name="mentions"/>.</summary>
    public static WeftValidationException Rule(string code, Action action, params string[] mentions)
    {
        var error = Assert.Throws<WeftValidationException>(action);
        Assert.Equal(code, error.Code);
        Assert.DoesNotContain('\n', error.Message);
        foreach (var text in mentions)
        {
            Assert.Contains(text, error.Message, StringComparison.Ordinal);
        }

        return error;
    }
}
