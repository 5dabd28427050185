namespace Weft.Store.Tests;

/// <summary>The URL forms that pick a backend, and the key-range arithmetic both backends rely on.</summary>
public sealed class StoreUrlTests
{
    [Fact]
    public void Etcd_urls_carry_several_endpoints_with_default_port()
    {
        var url = StoreUrl.Parse("etcd://10.0.0.1:2379, node-b ,[::1]:4001");
        Assert.True(url.IsEtcd);
        Assert.False(url.UseTls);
        Assert.Equal([("10.0.0.1", 2379), ("node-b", 2379), ("[::1]", 4001)], url.Hosts);
    }

    [Fact]
    public void Etcds_urls_take_tls_files_and_credentials_from_the_query_and_hide_the_password()
    {
        var url = StoreUrl.Parse("etcds://h:2379?cacert=/etc/weft/ca.pem&cert=/c.pem&key=/k.pem&user=weft&password=p%40ss");
        Assert.True(url.UseTls);
        Assert.Equal(("/etc/weft/ca.pem", "/c.pem", "/k.pem", "weft", "p@ss"),
            (url.Param("cacert"), url.Param("cert"), url.Param("key"), url.Param("user"), url.Param("password")));
        Assert.DoesNotContain("p@ss", url.Display, StringComparison.Ordinal);
        Assert.DoesNotContain("p%40ss", url.Display, StringComparison.Ordinal);
        Assert.Contains("password=***", url.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_urls_name_an_absolute_path()
    {
        var url = StoreUrl.Parse("sqlite:///var/lib/weft/store.db");
        Assert.False(url.IsEtcd);
        Assert.Equal("/var/lib/weft/store.db", url.Path);
    }

    [Theory]
    [InlineData("localhost:2379")]
    [InlineData("consul://h:8500")]
    [InlineData("sqlite://relative/path.db")]
    [InlineData("etcd://h:notaport")]
    [InlineData("etcd://")]
    public void Malformed_urls_are_rejected_with_a_message_naming_them(string bad)
    {
        var ex = Assert.Throws<ArgumentException>(() => StoreUrl.Parse(bad));
        Assert.Contains("store URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prefix_end_increments_the_last_byte_below_0xff()
    {
        Assert.Equal("/a0"u8.ToArray(), KeyRange.PrefixEnd("/a/"u8.ToArray()));
        Assert.Equal(new byte[] { 0x61, 0x63 }, KeyRange.PrefixEnd([0x61, 0x62, 0xff]));
        Assert.Null(KeyRange.PrefixEnd([]));
        Assert.Null(KeyRange.PrefixEnd([0xff, 0xff]));
    }
}
