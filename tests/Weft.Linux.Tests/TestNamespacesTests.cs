using Weft.Linux.Namespaces;
using Weft.Testing;

namespace Weft.Linux.Tests;

/// <summary>The throw-away namespace fixture every kernel test relies on: it leaves nothing of its own behind.</summary>
[RequiresRoot]
public sealed class TestNamespacesTests
{
    [Fact]
    public void Dispose_deletes_what_it_made_what_was_made_under_its_id_and_what_it_was_given()
    {
        string[] names;
        using (var namespaces = new TestNamespaces())
        {
            var made = namespaces.Create("made");
            // As a driver names its namespaces after a host: the fixture's id inside a longer name.
            var derived = "weft-" + namespaces.NameFor("h1_net");
            NetworkNamespace.Create(derived).Dispose();
            var foreign = TestNamespaces.RunPrefix + "-pin-" + Guid.NewGuid().ToString("N")[..6];
            NetworkNamespace.Attach(foreign, made.Path).Dispose();
            namespaces.DeleteOnDispose(foreign);
            names = [made.Name, derived, foreign];
            Assert.All(names, name => Assert.Contains(name, NetworkNamespace.List()));
            Assert.StartsWith(TestNamespaces.RunPrefix, made.Name, StringComparison.Ordinal);
        }

        Assert.All(names, name => Assert.DoesNotContain(name, NetworkNamespace.List()));
    }

    [Fact]
    public void A_test_that_fails_halfway_leaves_nothing()
    {
        string? name = null;
        void FailingTest()
        {
            using var namespaces = new TestNamespaces();
            name = namespaces.Create("halfway").Name;
            throw new InvalidOperationException("the test failed here");
        }

        var failure = Assert.Throws<InvalidOperationException>(FailingTest);

        Assert.Equal("the test failed here", failure.Message);
        Assert.NotNull(name);
        Assert.DoesNotContain(name, NetworkNamespace.List());
    }

    [Fact]
    public void Two_fixtures_never_share_a_name_and_one_disposing_leaves_the_other_alone()
    {
        using var first = new TestNamespaces();
        var kept = first.Create("x");
        using (var second = new TestNamespaces())
        {
            Assert.NotEqual(first.Id, second.Id);
            Assert.DoesNotContain(first.Id, second.NameFor("x"), StringComparison.Ordinal);
            second.Create("x");
        }

        Assert.Contains(kept.Name, NetworkNamespace.List());
    }
}
