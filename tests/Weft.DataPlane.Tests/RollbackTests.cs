using Weft.Core.Naming;
using Weft.DataPlane.Drivers;
using Weft.Linux;
using Weft.Linux.Links;
using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.DataPlane.Tests;

/// <summary>A step that fails leaves nothing half-built behind, and does not take the rest of the network down.</summary>
[RequiresRoot]
public sealed class RollbackTests
{
    [Fact]
    public void A_sandbox_that_does_not_exist_gets_no_veth()
    {
        using var o = new TwoHostOverlay();
        var missing = new LocalEndpoint(o.Endpoints[0], $"/run/netns/{o.Lab.Id}gone", DefaultRoute: true);
        var plan = o.Plan(0) with { Local = [missing] };

        o.Host(0).Apply(plan);
        AssertNoVeth(o);

        var error = Assert.ThrowsAny<KernelException>(() => o.Host(0).Run(d => d.Join(plan, missing)));
        Assert.Contains("gone", error.Message, StringComparison.Ordinal);
        AssertNoVeth(o);
    }

    [Fact]
    public void An_attach_that_fails_midway_is_undone_and_the_others_still_work()
    {
        using var o = new TwoHostOverlay();
        o.Host(1).Apply(o.Plan(1));
        // The sandbox already has an eth0, so renaming the new interface to eth0 fails after the veth exists.
        using (var sb = o.Sandboxes[0].OpenNetlink())
        {
            sb.AddLink(new Bridge { Name = "eth0" }); // no dummy module on every kernel
        }

        // A second container on the same host and network, which must not suffer for the first.
        var goodSandbox = o.Lab.CreateSandbox();
        var good = Records.Endpoint(o.Network, "ep-c", "10.0.10.4", "h1");
        var plan = o.Plan(0) with { Local = [.. o.Plan(0).Local, new LocalEndpoint(good, goodSandbox.Path, DefaultRoute: true)] };
        o.Host(1).Apply(o.Plan(1) with { Remote = [.. o.Plan(1).Remote, Records.Remote(good, o.Host(0))] });

        var error = Assert.ThrowsAny<KernelException>(() => o.Host(0).Apply(plan));
        Assert.Contains("eth0", error.Message, StringComparison.Ordinal);

        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            Assert.Null(nl.FindLink(KernelNames.VethHostName(o.Endpoints[0].Id)));
            Assert.NotNull(nl.FindLink(KernelNames.VethHostName(good.Id)));
        }

        using (var sb = o.Sandboxes[0].OpenNetlink())
        {
            Assert.Equal(["eth0", "lo"], sb.ListLinks().Select(l => l.Name).Order(StringComparer.Ordinal));
            Assert.IsType<Bridge>(sb.GetLink("eth0"));
        }

        NamespaceCommands.AssertPings(goodSandbox, o.Address(1));
        NamespaceCommands.AssertPings(o.Sandboxes[1], good.Address!);

        // The public Join undoes its work the same way.
        Assert.ThrowsAny<KernelException>(() => o.Host(0).Run(d => d.Join(plan, plan.Local[0])));
        using (var nl = o.Host(0).OpenNetworkNamespace(o.Network))
        {
            Assert.Null(nl.FindLink(KernelNames.VethHostName(o.Endpoints[0].Id)));
        }
    }

    [Fact]
    public void An_apply_that_fails_while_building_the_namespace_removes_it()
    {
        using var o = new TwoHostOverlay();
        var host = o.Host(0);
        var broken = new OverlayDriver(host.Context with { Host = host.Context.Host with { Underlay = host.Context.Underlay with { Device = "nosuch0" } } });
        var nsName = broken.NamespaceName(o.Network);

        var error = Assert.ThrowsAny<KernelException>(() => host.Namespace.Run(() => broken.Apply(o.Plan(0))));
        Assert.Contains("nosuch0", error.Message, StringComparison.Ordinal);
        Assert.False(NetworkNamespace.Exists(nsName));
        Assert.Empty(host.Namespace.Run(broken.ListBuilt));
        using (var hostNl = host.OpenHostNamespace())
        {
            Assert.Null(hostNl.FindLink("vx-256"));
            Assert.Equal(["eth0", "lo"], hostNl.ListLinks().Select(l => l.Name).Order(StringComparer.Ordinal));
        }

        using (var sb = o.Sandboxes[0].OpenNetlink())
        {
            Assert.Equal(["lo"], sb.ListLinks().Select(l => l.Name));
        }

        // With the right underlay the same plan then goes through.
        host.Apply(o.Plan(0));
        o.Host(1).Apply(o.Plan(1));
        NamespaceCommands.AssertPings(o.Sandboxes[0], o.Address(1));
    }

    private static void AssertNoVeth(TwoHostOverlay o)
    {
        using var nl = o.Host(0).OpenNetworkNamespace(o.Network);
        Assert.DoesNotContain(nl.ListLinks(), l => l is Veth && l.Name != KernelNames.UplinkNetworkSideName);
    }
}
