namespace Weft.Linux;

internal static class AssemblyMarker;
