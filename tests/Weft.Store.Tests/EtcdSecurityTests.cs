using System.Diagnostics;
using System.Text;
using Weft.Store.Tests.Infrastructure;
using Weft.Testing;

namespace Weft.Store.Tests;

/// <summary>etcds:// with a client certificate, and etcd user/password authentication, against real etcds.</summary>
public sealed class EtcdSecurityTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Etcds_with_a_client_certificate_works_and_without_one_is_refused()
    {
        using var certs = new TempDir();
        var tls = TestCertificates.Write(certs.Path);
        await using var etcd = await EtcdServer.StartAsync(tls: tls);
        var url = $"{etcd.StoreUrl}?cacert={tls.CaCert}&cert={tls.ClientCert}&key={tls.ClientKey}";

        await using (var store = await ClusterStore.OpenAsync(url))
        {
            var rev = await store.PutAsync("/tls/k", B("v"));
            Assert.Equal("v", Encoding.UTF8.GetString((await store.GetAsync("/tls/k"))!.Value));
            await using var watch = WatchProbe.Start(store, "/tls/", rev);
            Assert.Single(await watch.WaitForChangesAsync(1));
        }

        // The same through options instead of query parameters.
        var options = new ClusterStoreOptions { CaCertificatePath = tls.CaCert, ClientCertificatePath = tls.ClientCert, ClientKeyPath = tls.ClientKey };
        await using (var store = await ClusterStore.OpenAsync(etcd.StoreUrl, options))
            Assert.NotNull(await store.GetAsync("/tls/k"));

        // etcd demands a client certificate; without one the handshake fails and every endpoint is unavailable.
        await Assert.ThrowsAsync<StoreUnavailableException>(() => ClusterStore.OpenAsync($"{etcd.StoreUrl}?cacert={tls.CaCert}"));
        // And a server whose certificate does not chain to the given CA is not trusted.
        await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            ClusterStore.OpenAsync($"{etcd.StoreUrl}?cacert={tls.ClientCert}&cert={tls.ClientCert}&key={tls.ClientKey}"));
    }

    [Fact]
    public async Task User_and_password_authenticate_and_bad_credentials_are_a_clear_error()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await EtcdCtlAsync(etcd, "user", "add", "root", "--new-user-password=s3cret");
        await EtcdCtlAsync(etcd, "auth", "enable");

        var url = $"{etcd.StoreUrl}?user=root&password=s3cret";
        await using (var store = await ClusterStore.OpenAsync(url))
        {
            Assert.DoesNotContain("s3cret", store.Location, StringComparison.Ordinal);
            var rev = await store.PutAsync("/auth/k", B("v"));
            Assert.Equal("v", Encoding.UTF8.GetString((await store.GetAsync("/auth/k"))!.Value));
            await using var watch = WatchProbe.Start(store, "/auth/", rev);
            Assert.Single(await watch.WaitForChangesAsync(1));
        }

        var wrong = await Assert.ThrowsAnyAsync<StoreException>(() => ClusterStore.OpenAsync($"{etcd.StoreUrl}?user=root&password=nope"));
        Assert.Contains("authentication", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nope", wrong.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAnyAsync<StoreException>(() => ClusterStore.OpenAsync(etcd.StoreUrl));
        Assert.Contains("authentication enabled", missing.Message, StringComparison.Ordinal);
    }

    private static async Task EtcdCtlAsync(EtcdServer etcd, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/etcdctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--endpoints=" + etcd.ClientUrl);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["ETCDCTL_API"] = "3";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, $"etcdctl {string.Join(' ', args)} failed: {await stdout} {await stderr}");
    }
}
