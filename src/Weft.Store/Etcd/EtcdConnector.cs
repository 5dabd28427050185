using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Weft.Store.Etcd.Protocol;

namespace Weft.Store.Etcd;

/// <summary>
/// The transport to an etcd cluster's JSON gateway: one pooled HTTP/1.1 client, the endpoint list with failover,
/// TLS and the auth token. It knows how to send a message and read one back, not what the messages mean.
/// </summary>
internal sealed class EtcdConnector : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri[] _endpoints;
    private readonly string?[] _tokens;
    private readonly string? _user;
    private readonly string? _password;
    private readonly TimeSpan _requestTimeout;
    // The endpoint that answered last; calls start there so a healthy cluster is not probed member by member.
    private int _current;

    public EtcdConnector(StoreUrl url, ClusterStoreOptions options)
    {
        Location = url.Display;
        var scheme = url.UseTls ? "https" : "http";
        _endpoints = [.. url.Hosts.Select(h => new Uri($"{scheme}://{h.Host}:{h.Port}/"))];
        _tokens = new string?[_endpoints.Length];
        _user = options.Username ?? url.Param("user");
        _password = options.Password ?? url.Param("password") ?? "";
        _requestTimeout = options.RequestTimeout;
        _http = new HttpClient(CreateHandler(url, options), disposeHandler: true)
        {
            // Per-call deadlines come from cancellation tokens; a watch response legitimately lasts for hours.
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public string Location { get; }

    private static SocketsHttpHandler CreateHandler(StoreUrl url, ClusterStoreOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConnectionsPerEndpoint,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            ConnectCallback = ConnectAsync,
        };
        if (url.UseTls)
            handler.SslOptions = CreateTlsOptions(url, options);
        return handler;
    }

    /// <summary>
    /// Plain connect plus TCP keep-alive: a watch sits idle on its socket for long stretches, and keep-alive probes
    /// are what notice a peer that vanished without a FIN (power loss, partition).
    /// </summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 3);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions CreateTlsOptions(StoreUrl url, ClusterStoreOptions options)
    {
        var tls = new SslClientAuthenticationOptions();
        var certPath = options.ClientCertificatePath ?? url.Param("cert");
        var keyPath = options.ClientKeyPath ?? url.Param("key");
        var caPath = options.CaCertificatePath ?? url.Param("cacert");
        try
        {
            if (certPath is not null)
                tls.ClientCertificates = [X509Certificate2.CreateFromPemFile(certPath, keyPath)];
            if (caPath is not null)
            {
                // A cluster CA rarely publishes CRLs or OCSP; like etcd's own Go clients, do not ask for them
                // (the default would fail every handshake with RevocationStatusUnknown).
                var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                policy.CustomTrustStore.ImportFromPemFile(caPath);
                tls.CertificateChainPolicy = policy;
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException(url.Display, $"cannot load TLS material (cert={certPath}, key={keyPath}, cacert={caPath}): {e.Message}", e);
        }
        return tls;
    }

    /// <summary>Sends one request and reads one response, failing over across endpoints on connection errors.</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(string path, TRequest request,
        JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_requestTimeout);
        try
        {
            using var response = await SendAsync(path, body, HttpCompletionOption.ResponseContentRead, deadline.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            return await JsonSerializer.DeserializeAsync(stream, responseType, deadline.Token)
                ?? throw new StoreException(Location, $"etcd returned an empty body for {path}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException(Location, $"etcd did not answer {path} within {_requestTimeout.TotalSeconds:0.#} s");
        }
        catch (JsonException e)
        {
            throw new StoreException(Location, $"etcd sent malformed JSON for {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// One request whose answer is read only for its HTTP Date header: etcd's gateway (Go's net/http) dates every
    /// answer, to the second, and the API itself carries no time.
    /// </summary>
    public async Task<StoreClockSample> SampleClockAsync<TRequest>(string path, TRequest request, JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_requestTimeout);
        try
        {
            var sent = DateTimeOffset.UtcNow;
            using var response = await SendAsync(path, body, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var received = DateTimeOffset.UtcNow;
            return response.Headers.Date is { } date
                ? new StoreClockSample(date, TimeSpan.FromSeconds(1), sent, received)
                : throw new StoreException(Location, $"etcd's answer to {path} has no Date header to read its clock from");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException(Location, $"etcd did not answer {path} within {_requestTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Starts a server-streaming call (watch) and returns once the response headers arrived.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync<TRequest>(string path, TRequest request,
        JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        return await SendAsync(path, body, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        var start = Volatile.Read(ref _current);
        for (var attempt = 0; attempt < _endpoints.Length; attempt++)
        {
            var index = (start + attempt) % _endpoints.Length;
            try
            {
                var response = await SendToAsync(index, path, body, completion, cancellationToken);
                Volatile.Write(ref _current, index);
                return response;
            }
            catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Connection refused or reset, TLS failure: this member is down or unreachable; try the next one.
                // A request that died mid-flight may have been applied; etcd writes here are retried at most once
                // per member, which suits puts and guarded transactions (a repeated guarded txn fails its compare).
                lastError = e;
            }
            catch (EtcdRpcException e) when (e.IsTransient)
            {
                lastError = e;
            }
        }
        throw new StoreUnavailableException(Location,
            $"no etcd endpoint answered ({string.Join(", ", _endpoints.Select(e => e.Authority))}): {lastError?.Message}", lastError);
    }

    /// <summary>One endpoint; authenticates first when a user is configured, and once more if the token went stale.</summary>
    private async Task<HttpResponseMessage> SendToAsync(int index, string path, byte[] body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var pass = 0; ; pass++)
        {
            // Simple tokens are per member, so each endpoint keeps its own.
            if (_user is not null && _tokens[index] is null)
                _tokens[index] = await AuthenticateAsync(index, cancellationToken);
            var response = await PostAsync(index, path, body, _tokens[index], completion, cancellationToken);
            if (response.IsSuccessStatusCode)
                return response;
            using (response)
            {
                var error = await ReadErrorAsync(response, cancellationToken);
                if (_user is null && error.RpcMessage.Contains("user name is empty", StringComparison.Ordinal))
                    throw new StoreException(Location, "etcd has authentication enabled; give a user and password (URL parameters user= and password=, or ClusterStoreOptions)");
                if (error.IsInvalidToken && _user is not null && pass == 0)
                {
                    _tokens[index] = null;
                    continue;
                }
                throw error;
            }
        }
    }

    private async Task<HttpResponseMessage> PostAsync(int index, string path, byte[] body, string? token, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoints[index], path));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonType;
        if (token is not null)
            request.Headers.TryAddWithoutValidation("Authorization", token);
        return await _http.SendAsync(request, completion, cancellationToken);
    }

    private async Task<string> AuthenticateAsync(int index, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new AuthenticateRequest { Name = _user!, Password = _password ?? "" },
            EtcdJsonContext.Default.AuthenticateRequest);
        using var response = await PostAsync(index, "v3/auth/authenticate", body, token: null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = await ReadErrorAsync(response, cancellationToken);
            // Wrong credentials are not an outage: say so plainly instead of failing over.
            throw new StoreException(Location, $"etcd authentication as '{_user}' failed: {error.RpcMessage}");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var answer = await JsonSerializer.DeserializeAsync(stream, EtcdJsonContext.Default.AuthenticateResponse, cancellationToken);
        return answer?.Token ?? throw new StoreException(Location, "etcd authentication returned no token");
    }

    private async Task<EtcdRpcException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var error = JsonSerializer.Deserialize(text, EtcdJsonContext.Default.ErrorBody);
            if (error is not null && (error.Message ?? error.Error) is { } message)
                return new EtcdRpcException(Location, error.Code, message);
        }
        catch (JsonException)
        {
            // Not a gateway error body (a proxy page, say); report the HTTP status below.
        }
        var code = response.StatusCode == HttpStatusCode.ServiceUnavailable ? EtcdRpcException.Unavailable : 2;
        return new EtcdRpcException(Location, code, $"HTTP {(int)response.StatusCode}: {text}");
    }

    public void Dispose() => _http.Dispose();
}
