using Xunit.Abstractions;
using Xunit.Sdk;

namespace Weft.Testing;

/// <summary>
/// Marks tests that need root: they program the kernel, create namespaces, or build labs. It is the trait
/// <c>Requires=root</c>, so <c>dotnet test --filter "Requires!=root"</c> runs everything else as any user.
/// Put it on the class; a test that needs root without it fails in that filtered run, which is how it is found.
/// </summary>
[TraitDiscoverer("Weft.Testing." + nameof(RequiresRootDiscoverer), "Weft.Testing")]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresRootAttribute : Attribute, ITraitAttribute
{
    public const string Trait = "Requires";
    public const string Value = "root";
}

/// <summary>Tells xunit the trait that <see cref="RequiresRootAttribute"/> stands for.</summary>
public sealed class RequiresRootDiscoverer : ITraitDiscoverer
{
    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute) =>
        [new(RequiresRootAttribute.Trait, RequiresRootAttribute.Value)];
}
