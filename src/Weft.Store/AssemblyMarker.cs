namespace Weft.Store;

internal static class AssemblyMarker;
