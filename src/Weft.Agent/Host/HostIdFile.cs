using Weft.Core.Naming;

namespace Weft.Agent.Host;

/// <summary>The host's stable id: created once under the state directory and read on every start.</summary>
public static class HostIdFile
{
    public static string LoadOrCreate(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "host-id");
        if (File.Exists(path))
        {
            var id = File.ReadAllText(path).Trim();
            if (WeftIds.IsValid(id))
            {
                return id;
            }
            throw new InvalidDataException($"{path} does not hold a valid host id ('{id}'); remove it to give this host a new identity");
        }
        var fresh = WeftIds.New();
        var temp = path + ".tmp";
        File.WriteAllText(temp, fresh + "\n");
        File.Move(temp, path, overwrite: false);
        return fresh;
    }
}
