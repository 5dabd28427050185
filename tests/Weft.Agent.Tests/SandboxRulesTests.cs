using System.Net;
using Weft.Agent.Sandboxes;
using Weft.Core.Errors;
using Weft.Core.Model;
using static Weft.Agent.Tests.SnapshotRecords;

namespace Weft.Agent.Tests;

/// <summary>
/// The rules a `weft run`, `network connect` or `network disconnect` must pass before anything is written or built,
/// with the error code a program reads and a message that names what is wrong.
/// </summary>
public sealed class SandboxRulesTests
{
    private static readonly NetworkRecord Front = Overlay("front", "10.0.1.0/24", vni: 301);
    private static readonly NetworkRecord Back = Overlay("back", "10.0.2.0/24", vni: 302);
    private static readonly NetworkRecord Lan = Network("lan", NetworkDriver.Bridge, "10.0.20.0/24");
    private static readonly NetworkRecord HostNet = Network("hostnet", NetworkDriver.Host);
    private static readonly NetworkRecord None = Network("none", NetworkDriver.Null);
    private static readonly NetworkRecord[] All = [Front, Back, Lan, HostNet, None];

    private static NetworkRecord? ById(string id) => All.FirstOrDefault(n => n.Id == id);

    private static WeftValidationException Refused(string code, Action request)
    {
        var e = Assert.Throws<WeftValidationException>(request);
        Assert.Equal(code, e.Code);
        return e;
    }

    [Fact]
    public void A_valid_run_request_yields_its_add_host_entries_parsed()
    {
        var entries = SandboxRules.Validate("web1", "box", ["legacy:10.9.9.9", "v6:fd00::7"], ["front", "back"]);

        Assert.Equal([new HostEntry("legacy", IPAddress.Parse("10.9.9.9")), new HostEntry("v6", IPAddress.Parse("fd00::7"))], entries);
        Assert.Empty(SandboxRules.Validate("web1", null, [], ["front"]));
    }

    [Fact]
    public void A_run_request_naming_a_network_twice_is_refused()
    {
        var e = Refused(ErrorCodes.BadRequest, () => SandboxRules.Validate("web1", null, [], ["front", "back", "front"]));
        Assert.Contains("twice", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-web", null, "sandbox name '-web'")]
    [InlineData("web1", "under_score", "host name 'under_score'")]
    public void A_bad_sandbox_name_or_hostname_is_refused_naming_it(string name, string? hostname, string named)
    {
        var e = Refused(ErrorCodes.InvalidName, () => SandboxRules.Validate(name, hostname, [], ["front"]));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("legacy", "'legacy'")]
    [InlineData("legacy:", "'legacy:'")]
    [InlineData("legacy:10.9.9", "'10.9.9'")]
    public void A_malformed_add_host_is_refused_naming_it(string entry, string named)
    {
        var e = Refused(ErrorCodes.InvalidAddress, () => SandboxRules.Validate("web1", null, [entry], ["front"]));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Networks_of_ordinary_drivers_combine_freely()
    {
        SandboxRules.RequireCompatible([Front, Back, Lan]);
        SandboxRules.RequireCompatible([HostNet]);
        SandboxRules.RequireCompatible([None]);
    }

    [Theory]
    [InlineData("hostnet", "host driver")]
    [InlineData("none", "null driver")]
    public void A_host_or_null_network_is_a_sandboxs_only_network(string exclusive, string driver)
    {
        var network = All.Single(n => n.Name == exclusive);

        var e = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireCompatible([Front, network]));

        Assert.Contains($"'{exclusive}' uses the {driver}", e.Message, StringComparison.Ordinal);
        Assert.Contains("'front'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_running_sandbox_connects_to_another_network_of_an_ordinary_driver()
    {
        var web = Sandbox("web", "node-1");

        SandboxRules.RequireConnectable(web, Back, [Endpoint(Front, web, "10.0.1.2")], ById);
        SandboxRules.RequireConnectable(web, Lan, [Endpoint(Front, web, "10.0.1.2")], ById);
        SandboxRules.RequireConnectable(web, None, [], ById);
    }

    [Fact]
    public void Connecting_twice_to_one_network_is_a_duplicate()
    {
        var web = Sandbox("web", "node-1");

        var e = Refused(ErrorCodes.Duplicate, () => SandboxRules.RequireConnectable(web, Front, [Endpoint(Front, web, "10.0.1.2")], ById));

        Assert.Equal("sandbox 'web' is already connected to network 'front'", e.Message);
    }

    [Fact]
    public void A_sandbox_in_the_hosts_namespace_connects_to_nothing_more()
    {
        var mon = SandboxOnHostNamespace("mon", "node-1");

        var e = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireConnectable(mon, Front, [Endpoint(HostNet, mon, null)], ById));

        Assert.Contains("shares the host's network namespace", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_run_puts_a_sandbox_on_a_host_network_never_connect()
    {
        var web = Sandbox("web", "node-1");

        var e = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireConnectable(web, HostNet, [], ById));

        Assert.Contains("weft run --net hostnet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_network_takes_only_a_sandbox_on_no_other_network_and_then_keeps_it_alone()
    {
        var web = Sandbox("web", "node-1");
        var onFront = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireConnectable(web, None, [Endpoint(Front, web, "10.0.1.2")], ById));
        Assert.Contains("disconnect it first", onFront.Message, StringComparison.Ordinal);

        var box = Sandbox("box", "node-1");
        var onNull = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireConnectable(box, Front, [Endpoint(None, box, null)], ById));
        Assert.Contains("null network 'none'", onNull.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sandbox_in_the_hosts_namespace_cannot_leave_its_network_others_can()
    {
        var e = Refused(ErrorCodes.NetworkConflict, () => SandboxRules.RequireDisconnectable(SandboxOnHostNamespace("mon", "node-1"), "hostnet"));
        Assert.Contains("remove the sandbox instead", e.Message, StringComparison.Ordinal);

        SandboxRules.RequireDisconnectable(Sandbox("web", "node-1"), "front");
    }

    [Fact]
    public void Sharing_the_hosts_namespace_is_told_by_the_namespace_whichever_host_recorded_it()
    {
        // A record of another host, read here: the pin's name alone says it, as after a restart.
        Assert.True(SandboxRules.SharesHostNamespace(SandboxOnHostNamespace("mon", "node-2")));
        Assert.False(SandboxRules.SharesHostNamespace(Sandbox("mon", "node-2")));
    }
}
