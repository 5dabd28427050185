using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Weft.Api;
using Weft.Core.Errors;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Agent.Tests;

/// <summary>One two-host lab for the validation tests; each test uses networks and sandboxes of its own names.</summary>
public sealed class ValidationLab : IAsyncLifetime
{
    public LabFixture Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await LabFixture.UpAsync(2);

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

/// <summary>
/// Bad input as a user or a hostile tester sends it to a real agent (issue 19): each case is refused with its error code
/// and leaves nothing behind; the options Weft knows are applied in the kernel; every error answer of the API, the
/// framework's own included, has the documented body; one sandbox cannot starve the others of TCP DNS.
/// </summary>
[RequiresRoot]
public sealed class ValidationEndToEndTests(ValidationLab fixture) : IClassFixture<ValidationLab>
{
    private LabFixture Lab => fixture.Lab;

    private static CreateNetworkRequest Overlay(string name, params string[] subnets) => new() { Name = name, Subnets = [.. subnets.Select(s => new SubnetSpec(s))] };

    private static CreateSandboxRequest Sleeper(string name, string network, params string[] aliases) => new()
    {
        Name = name,
        Networks = [new SandboxNetworkSpec(network, Aliases: aliases)],
        Command = ["sleep", "infinity"],
    };

    private static async Task<WeftApiException> RefusedAsync(string code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<WeftApiException>(call);
        Assert.True(error.Code == code, $"expected {code}, got {error.Code}: {error.Message}");
        return error;
    }

    [Fact]
    public async Task Each_bad_network_is_refused_with_its_code_and_nothing_is_created()
    {
        using var h1 = Lab.Client(1);
        var before = (await h1.ListNetworksAsync()).Select(n => n.Name).Order().ToList();

        // The lab's own underlay is a route of every host: sandboxes would get the hosts' VTEP addresses.
        var underlay = Lab.Underlay.Layout.Subnet.ToString();
        var overlap = await RefusedAsync(ErrorCodes.Overlap, () => h1.CreateNetworkAsync(Overlay("under", underlay)));
        Assert.Contains($"route {underlay} of host", overlap.Message, StringComparison.Ordinal);
        await RefusedAsync(ErrorCodes.InvalidName, () => h1.CreateNetworkAsync(Overlay("a..b")));
        await RefusedAsync(ErrorCodes.InvalidName, () => h1.CreateNetworkAsync(Overlay("b.")));
        await RefusedAsync(ErrorCodes.InvalidSubnet, () => h1.CreateNetworkAsync(Overlay("p2p", "10.0.50.0/31")));
        await RefusedAsync(ErrorCodes.InvalidSubnet, () => h1.CreateNetworkAsync(Overlay("one", "10.0.50.7/32")));
        await RefusedAsync(ErrorCodes.InvalidSubnet, () => h1.CreateNetworkAsync(Overlay("one6", "fd00:50::7/128")));
        var dual = await RefusedAsync(ErrorCodes.InvalidSubnet, () => h1.CreateNetworkAsync(Overlay("ds", "10.0.40.0/24", "fd00:40::/64")));
        Assert.Contains("dual stack", dual.Message, StringComparison.Ordinal);
        var encrypted = await RefusedAsync(ErrorCodes.InvalidNetwork, () => h1.CreateNetworkAsync(Overlay("enc") with { Options = new Dictionary<string, string> { ["encrypted"] = "true" } }));
        Assert.Contains("does not encrypt", encrypted.Message, StringComparison.Ordinal);

        // The CLI says the same, by name, and exits non-zero.
        var (code, output) = await Lab.WeftAsync(2, "network", "create", "-o", "colour=blue", "col");
        Assert.NotEqual(0, code);
        Assert.Contains("unknown option 'colour'", output, StringComparison.Ordinal);
        (code, output) = await Lab.WeftAsync(2, "network", "create", "--subnet", underlay, "under");
        Assert.NotEqual(0, code);
        Assert.Contains("overlaps route", output, StringComparison.Ordinal);

        Assert.Equal(before, (await h1.ListNetworksAsync()).Select(n => n.Name).Order().ToList());
    }

    [Fact]
    public async Task Aliases_that_would_shadow_a_name_are_refused_and_a_repeated_one_too()
    {
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        await h1.CreateNetworkAsync(Overlay("named", "10.0.71.0/24"));
        await h1.CreateNetworkAsync(Overlay("elsewhere", "10.0.72.0/24"));
        await h1.CreateSandboxAsync(Sleeper("db", "named"));
        await h2.CreateSandboxAsync(Sleeper("cache", "elsewhere", "store"));

        await RefusedAsync(ErrorCodes.Duplicate, () => h2.CreateSandboxAsync(Sleeper("app", "named", "db")));
        await RefusedAsync(ErrorCodes.Duplicate, () => h2.CreateSandboxAsync(Sleeper("app", "named", "DB")));
        // Another network's sandbox: the store's transaction refuses it (the name is the sandbox's everywhere).
        var other = await RefusedAsync(ErrorCodes.Duplicate, () => h2.CreateSandboxAsync(Sleeper("app", "named", "cache")));
        Assert.Contains("sandbox 'cache'", other.Message, StringComparison.Ordinal);
        await RefusedAsync(ErrorCodes.InvalidAlias, () => h2.CreateSandboxAsync(Sleeper("app", "named", "db.named")));
        await RefusedAsync(ErrorCodes.InvalidAlias, () => h2.CreateSandboxAsync(Sleeper("app", "named", "web", "Web")));
        // The other way round: a new sandbox whose name is an alias on a network it joins.
        var taken = await RefusedAsync(ErrorCodes.Duplicate, () => h1.CreateSandboxAsync(Sleeper("store", "elsewhere")));
        Assert.Contains("alias of 'cache'", taken.Message, StringComparison.Ordinal);

        Assert.DoesNotContain((await h1.ListSandboxesAsync(all: true)).Select(s => s.Name), n => n is "app" or "store");
        var app = await h2.CreateSandboxAsync(Sleeper("app", "named", "web"));
        Assert.Equal(["web"], app.Endpoints[0].Aliases);
    }

    [Fact]
    public async Task The_MTU_option_gives_every_interface_of_the_network_that_MTU_across_hosts()
    {
        var (code, output) = await Lab.WeftAsync(1, "network", "create", "--subnet", "10.0.73.0/24", "-o", "com.docker.network.driver.mtu=1400", "small");
        Assert.True(code == 0, output);
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        var detail = await h1.InspectNetworkAsync("small");
        Assert.Equal(1400, detail.Mtu);
        Assert.Equal("1400", detail.Options["com.docker.network.driver.mtu"]);
        await h1.CreateSandboxAsync(Sleeper("m1", "small"));
        var m2 = await h2.CreateSandboxAsync(Sleeper("m2", "small"));

        // In the kernel: the sandbox's eth0, and the network namespace's bridge and VXLAN device, on both hosts.
        foreach (var (host, sandbox) in new[] { (1, "m1"), (2, "m2") })
        {
            Assert.Contains(" mtu 1400 ", (await Lab.ExecAsync(host, sandbox, "ip", "-o", "link", "show", "eth0")).Output, StringComparison.Ordinal);
            var links = await Lab.RunOnHostAsync(host, "ip", "netns", "exec", $"weft-{Lab.Host(host).Name}_small", "ip", "-o", "link");
            Assert.Equal(0, links.ExitCode);
            foreach (var line in links.Output.Split('\n').Where(l => l.Contains("br0", StringComparison.Ordinal) || l.Contains("vx-", StringComparison.Ordinal)))
            {
                Assert.Contains(" mtu 1400 ", line, StringComparison.Ordinal);
            }
        }
        // End to end: 1400-byte packets cross the hosts unfragmented, 1401 do not leave the sandbox.
        var address = m2.Endpoints[0].Address!;
        var fits = await Lab.ExecAsync(1, "m1", "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1372", address);
        Assert.True(fits.ExitCode == 0, fits.Output);
        var tooBig = await Lab.ExecAsync(1, "m1", "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1373", address);
        Assert.NotEqual(0, tooBig.ExitCode);
    }

    [Fact]
    public async Task Every_error_answer_of_the_API_has_the_documented_body_and_the_socket_is_0660()
    {
        var socket = Lab.Host(1).SocketPath;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(socket));

        await ExpectErrorAsync(socket, "GET /v1/nothing-here HTTP/1.1\r\n", 404, ErrorCodes.NotFound, "/v1/nothing-here");
        await ExpectErrorAsync(socket, "PUT /v1/networks HTTP/1.1\r\n", 405, ErrorCodes.BadRequest, "PUT");
        await ExpectErrorAsync(socket, "POST /v1/networks HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n", 415, ErrorCodes.BadRequest, "JSON", body: "{}");
        await ExpectErrorAsync(socket, "POST /v1/networks HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40000000\r\n", 413, ErrorCodes.BadRequest, "too large", body: "{");
        await ExpectErrorAsync(socket, $"GET /v1/networks?{new string('a', 20_000)} HTTP/1.1\r\n", 414, ErrorCodes.BadRequest, "request line");
        await ExpectErrorAsync(socket, $"GET /v1/networks HTTP/1.1\r\nX-Big: {new string('a', 40_000)}\r\n", 431, ErrorCodes.BadRequest, "header");
        // Bodies that are JSON but not the request's shape: the field is named, never a 500.
        await ExpectJsonErrorAsync(socket, "/v1/sandboxes", """{"name":"nocommand"}""", "command");
        await ExpectJsonErrorAsync(socket, "/v1/sandboxes", """{"name":"nullcommand","command":null}""", "command");
        await ExpectJsonErrorAsync(socket, "/v1/sandboxes", """{"name":"typed","command":["true"],"networks":"net"}""", "networks");
        await ExpectJsonErrorAsync(socket, "/v1/networks", """{"name":"typed","mtu":"big"}""", "mtu");
        await ExpectJsonErrorAsync(socket, "/v1/networks/x/connect", """{"ip":"10.0.0.1"}""", "sandbox");
        using var h1 = Lab.Client(1);
        Assert.DoesNotContain((await h1.ListSandboxesAsync(all: true)).Select(s => s.Name), n => n is "nocommand" or "nullcommand" or "typed");
    }

    private static Task ExpectJsonErrorAsync(string socket, string path, string json, string field) =>
        ExpectErrorAsync(socket, $"POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n", 400, ErrorCodes.BadRequest, field, body: json);

    /// <summary>Sends one request by hand (Kestrel's own rejections need requests no HTTP client would send) and checks the answer.</summary>
    private static async Task ExpectErrorAsync(string socketPath, string head, int status, string code, string mention, string body = "")
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{head}Host: weft\r\nConnection: close\r\n\r\n{body}"));
        using var cut = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cut.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP answer: {text}");
        Assert.StartsWith($"HTTP/1.1 {status} ", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/json", text[..split], StringComparison.OrdinalIgnoreCase);
        var payload = text[(split + 4)..];
        if (text[..split].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            payload = Dechunk(payload);
        }
        var error = JsonSerializer.Deserialize(payload, ApiJsonContext.Default.ApiErrorBody)!.Error;
        Assert.Equal(code, error.Code);
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd], 16);
            if (size == 0)
            {
                return body.ToString();
            }
            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    [Fact]
    public async Task A_sandbox_holding_130_idle_TCP_connections_to_its_DNS_gets_its_share_and_the_others_are_answered()
    {
        using var h1 = Lab.Client(1);
        using var h2 = Lab.Client(2);
        var network = await h1.CreateNetworkAsync(Overlay("dnstcp", "10.0.74.0/24"));
        var hog = await h1.CreateSandboxAsync(Sleeper("hog", "dnstcp"));
        await h1.CreateSandboxAsync(Sleeper("asker", "dnstcp"));
        await h2.CreateSandboxAsync(Sleeper("far", "dnstcp"));
        var dns = new IPEndPoint(IPAddress.Parse(network.Dns!), 53);

        // The hog's sockets are made in its namespace and stay there; it connects and then sends nothing.
        using var hogNamespace = NetworkNamespace.OpenPath(hog.NetworkNamespace);
        var held = await hogNamespace.RunAsync(() =>
        {
            var sockets = new List<Socket>();
            for (var i = 0; i < 130; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(dns);
                sockets.Add(s);
            }
            return sockets;
        });
        try
        {
            // Connections beyond the hog's share are closed by the server at once; the rest stay open and idle.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var open = held.Count(s => !(s.Poll(0, SelectMode.SelectRead) && s.Available == 0));
            Assert.InRange(open, 1, 16);

            // Everyone else still gets TCP answers, on this host and across.
            for (var i = 0; i < 15; i++)
            {
                var (host, sandbox) = i % 2 == 0 ? (1, "asker") : (2, "far");
                var (code, output) = await Lab.ExecAsync(host, sandbox, "dig", "+tcp", "+short", "+tries=1", "+timeout=3", "hog");
                Assert.True(code == 0, $"dig +tcp from {sandbox} failed: {output}");
                Assert.Equal(hog.Endpoints[0].Address, output.Trim());
            }
        }
        finally
        {
            foreach (var s in held)
            {
                s.Dispose();
            }
        }
    }
}
