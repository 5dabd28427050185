using Weft.Core.Naming;

namespace Weft.Agent.Host;

/// <summary>
/// The id of the cluster this host joined (<see cref="Cluster.ClusterIdentity"/>), kept under the state directory beside
/// the host id: it outlives the store, which is how an agent tells its cluster's store from an empty or another one.
/// </summary>
public static class ClusterIdFile
{
    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, "cluster-id");

    /// <summary>The recorded id; null when this host never joined a cluster (new, or upgraded from a Weft without ids).</summary>
    public static string? Load(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path))
        {
            return null;
        }
        var id = File.ReadAllText(path).Trim();
        return WeftIds.IsValid(id) ? id
            : throw new InvalidDataException($"{path} does not hold a valid cluster id ('{id}'); remove it and start with --join-new-cluster to join the store's cluster");
    }

    public static void Save(string stateDirectory, string clusterId)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = PathIn(stateDirectory);
        File.WriteAllText(path + ".tmp", clusterId + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
