using Weft.Api.Cni;

namespace Weft.Cni;

/// <summary>What the runtime passed: the CNI_* environment and stdin. Nothing is judged here but what the plugin itself needs.</summary>
internal sealed record CniInvocation(string Command, CniCall Call)
{
    public static CniInvocation From(Func<string, string?> environment, string stdin) =>
        new((environment("CNI_COMMAND") ?? "").Trim(),
            new CniCall(environment("CNI_CONTAINERID"), environment("CNI_NETNS"), environment("CNI_IFNAME"), environment("CNI_ARGS"), stdin));
}
