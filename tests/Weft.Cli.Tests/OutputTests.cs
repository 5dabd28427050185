using Weft.Api;
using Weft.Core.Model;
using Weft.Cli.Output;
using Weft.Cli.Tests.Support;

namespace Weft.Cli.Tests;

/// <summary>What people see: tables line up, absent values show as "-", ids are short, long commands are cut.</summary>
public class OutputTests
{
    private static string Render(Action<TextWriter> write)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        write(writer);
        return writer.ToString();
    }

    [Fact]
    public void A_table_lines_up_its_columns_three_spaces_apart_without_trailing_blanks()
    {
        var table = new TextTable("A", "LONG HEADER", "C");
        table.AddRow("wide value", "x", "");
        table.AddRow("y", "z", "last");

        Assert.Equal(
            "A            LONG HEADER   C\n" +
            "wide value   x\n" +
            "y            z             last\n",
            Render(table.WriteTo));
    }

    [Fact]
    public void A_table_refuses_a_row_of_the_wrong_width()
    {
        var table = new TextTable("A", "B");

        Assert.Throws<ArgumentException>(() => table.AddRow("only one"));
    }

    [Fact]
    public void Network_ls_shows_short_ids_sorted_by_name_and_dashes_for_missing_values()
    {
        Assert.Equal(
            "NETWORK ID     NAME       DRIVER    SCOPE    SUBNET          VNI   ENDPOINTS\n" +
            "0123456789ab   local-br   bridge    local    172.30.0.0/16   -     0\n" +
            "4f1c2a9e7b3d   test-net   overlay   global   10.0.10.0/24    256   2\n",
            Render(w => NetworkOutput.WriteList(w, Samples.Networks)));
    }

    [Fact]
    public void Network_inspect_shows_settings_and_every_endpoint_with_its_host()
    {
        var text = Render(w => NetworkOutput.WriteDetail(w, Samples.TestNet));

        Assert.Equal(
            "Name:       test-net\n" +
            $"ID:         {Samples.NetworkId}\n" +
            "Driver:     overlay\n" +
            "Scope:      global\n" +
            "Subnet:     10.0.10.0/24\n" +
            "Gateway:    10.0.10.1\n" +
            "VNI:        256\n" +
            "MTU:        1450\n" +
            "DNS:        10.0.10.1\n" +
            "Internal:   no\n" +
            "Options:    -\n" +
            "Labels:     team=blue\n" +
            "Created:    2025-03-04 05:06:07Z\n" +
            "Endpoints:  2\n" +
            "\n" +
            "HOST           SANDBOX   IP          MAC                 INTERFACE   ALIASES      ENDPOINT ID\n" +
            "node1          web1      10.0.10.2   02:42:0a:00:0a:02   eth0        web1-alias   ep-web1-test\n" +
            "node2 (down)   db1       10.0.10.3   02:42:0a:00:0a:02   eth0        db1-alias    ep-db1-test-\n",
            text);
    }

    [Fact]
    public void A_host_that_is_not_live_is_marked_held_or_gone_in_ps_inspect_and_network_inspect()
    {
        var held = Samples.Web1 with { HostState = HostStates.Held };
        Assert.Contains($" {held.Host} (held) ", Render(w => SandboxOutput.WriteList(w, [held])), StringComparison.Ordinal);
        Assert.Contains($"Host: ", Render(w => SandboxOutput.WriteDetail(w, held)), StringComparison.Ordinal);
        Assert.Contains($"{held.Host} (held) (", Render(w => SandboxOutput.WriteDetail(w, held)), StringComparison.Ordinal);
        var endpoint = Samples.TestNet.Endpoints[1] with { HostState = HostStates.Gone };
        Assert.Equal("node2 (gone)", NetworkOutput.HostName(endpoint));
        Assert.Equal("node2 (held)", NetworkOutput.HostName(endpoint with { HostState = HostStates.Held }));
    }

    [Fact]
    public void Ps_lists_networks_in_interface_order_and_cuts_long_commands()
    {
        var sandbox = Samples.Web1 with { Command = ["sh", "-c", "while true; do date; sleep 1; done"], Pid = null, State = "created" };

        Assert.Equal(
            "SANDBOX ID     NAME   HOST    STATE     PID   NETWORKS                                PORTS   COMMAND\n" +
            "9a8b7c6d5e4f   web1   node1   created   -     test-net=10.0.10.2, back-net=10.1.0.5   -       sh -c 'while true; do date; s…\n",
            Render(w => SandboxOutput.WriteList(w, [sandbox])));
    }

    [Fact]
    public void Ps_and_inspect_show_published_ports_as_docker_writes_them()
    {
        var sandbox = Samples.Web1 with { Ports = [PortMapping.Parse("8080:80"), PortMapping.Parse("127.0.0.2:53:5353/udp")] };

        Assert.Contains("   8080->80/tcp, 127.0.0.2:53->5353/udp   ", Render(w => SandboxOutput.WriteList(w, [sandbox])), StringComparison.Ordinal);
        Assert.Contains("Ports:              8080->80/tcp, 127.0.0.2:53->5353/udp\n", Render(w => SandboxOutput.WriteDetail(w, sandbox)), StringComparison.Ordinal);
    }

    [Fact]
    public void Sandbox_inspect_shows_where_its_namespaces_are()
    {
        var text = Render(w => SandboxOutput.WriteDetail(w, Samples.Web1));

        Assert.Contains("Network namespace:  /run/netns/weftsb-node1_web1\n", text, StringComparison.Ordinal);
        Assert.Contains("UTS namespace:      -\n", text, StringComparison.Ordinal);
        Assert.Contains("Command:            sleep infinity\n", text, StringComparison.Ordinal);
        Assert.Contains("eth1        back-net   10.1.0.5", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_network_sandbox_shows_dashes_where_it_has_no_interface_MAC_or_address()
    {
        var onHost = Samples.Endpoint("node1", true, "hs", null!, interfaceName: "", network: "hostnet") with { Mac = "", Aliases = [] };
        var sandbox = Samples.Web1 with { Name = "hs", NetworkNamespace = "/run/netns/weft-node1", Endpoints = [onHost] };

        Assert.EndsWith("INTERFACE   NETWORK   IP   MAC   ALIASES   ENDPOINT ID\n-           hostnet   -    -     -         ep-hs-hostne\n",
            Render(w => SandboxOutput.WriteDetail(w, sandbox)), StringComparison.Ordinal);
        Assert.Contains("   hostnet   ", Render(w => SandboxOutput.WriteList(w, [sandbox])), StringComparison.Ordinal);
        var network = Samples.TestNet with { Name = "hostnet", Driver = "host", Scope = "local", Subnets = [], Vni = null, Dns = null, Endpoints = [onHost] };
        Assert.EndsWith("HOST    SANDBOX   IP   MAC   INTERFACE   ALIASES   ENDPOINT ID\nnode1   hs        -    -     -           -         ep-hs-hostne\n",
            Render(w => NetworkOutput.WriteDetail(w, network)), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_says_when_the_store_cannot_be_reached()
    {
        var status = Samples.Status with { StoreReachable = false, StoreError = "connection refused" };

        var text = Render(w => StatusOutput.Write(w, status));

        Assert.Contains("Store reachable:  no: connection refused\n", text, StringComparison.Ordinal);
        Assert.Contains("Networks here:    test-net\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "sleep", "infinity" }, "sleep infinity")]
    [InlineData(new[] { "sh", "-c", "echo 'hi there'" }, "sh -c 'echo '\\''hi there'\\'''")]
    [InlineData(new[] { "printf", "" }, "printf ''")]
    [InlineData(new string[0], "-")]
    public void Commands_are_shown_as_they_would_be_retyped(string[] command, string expected) =>
        Assert.Equal(expected, Display.CommandLine(command));
}
