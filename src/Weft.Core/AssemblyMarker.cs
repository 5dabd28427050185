namespace Weft.Core;

internal static class AssemblyMarker;
