using System.Diagnostics;

namespace Weft.Linux.Namespaces;

/// <summary>A file bound over another inside a sandbox's private mount namespace, e.g. its resolv.conf over /etc/resolv.conf.</summary>
public readonly record struct FileBind(string Source, string Target);

/// <summary>
/// What a process in a sandbox sees beyond its network namespace: a hostname of its own (a UTS namespace) and
/// files bound over the host's (a private mount namespace), the way `ip netns exec` binds /etc/netns/NAME/*.
/// Sandboxes share the host's root file system, so this is how each gets its own resolv.conf and hosts.
/// </summary>
public sealed record SandboxSetup(string? Hostname = null, IReadOnlyList<FileBind>? Binds = null)
{
    public static readonly SandboxSetup None = new();

    private IReadOnlyList<FileBind> BindList => Binds ?? [];

    public bool IsEmpty => Hostname is null && BindList.Count == 0;

    /// <summary>
    /// The start info that runs <paramref name="command"/> with this setup applied: `unshare` makes the namespaces
    /// and execs a small shell, which binds the files, sets the hostname and execs the command, so the pid stays
    /// the command's own. With <paramref name="logPath"/>, stdin is /dev/null and output is appended to the log;
    /// with <paramref name="newSession"/>, the process leads a session of its own (it outlives its starter's).
    /// With nothing to set up and no log, the command runs as it is, without the shell.
    /// </summary>
    public ProcessStartInfo StartInfo(IReadOnlyList<string> command, string? logPath = null, bool newSession = false)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
        {
            throw new ArgumentException("a process needs a command", nameof(command));
        }
        // setsid and unshare are util-linux; neither forks when the caller is not a group leader, so pids stay.
        var launcher = new List<string>();
        if (newSession)
        {
            launcher.Add("setsid");
        }
        if (IsEmpty && logPath is null)
        {
            launcher.AddRange(command);
        }
        else
        {
            AddLauncher(launcher, command, logPath);
        }

        var psi = new ProcessStartInfo(launcher[0]) { UseShellExecute = false };
        foreach (var arg in launcher.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }
        return psi;
    }

    /// <summary>unshare for the namespaces this setup needs, then the shell that applies it and execs the command.</summary>
    private void AddLauncher(List<string> launcher, IReadOnlyList<string> command, string? logPath)
    {
        if (!IsEmpty)
        {
            launcher.Add("unshare");
            if (Hostname is not null)
            {
                launcher.Add("--uts");
            }
            if (BindList.Count > 0)
            {
                // unshare makes the new mount namespace private, so the binds never show on the host.
                launcher.Add("--mount");
            }
        }
        launcher.AddRange(["sh", "-c", Script, "weft-sandbox", logPath ?? "", Hostname ?? "", BindList.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var bind in BindList)
        {
            launcher.Add(bind.Source);
            launcher.Add(bind.Target);
        }
        launcher.AddRange(command);
    }

    // Arguments: log, hostname, bind count, that many source/target pairs, then the command. A target the host
    // lacks (no /etc/resolv.conf at all) is skipped rather than failing the sandbox. Exit 125 marks a failed setup.
    private const string Script = """
        log=$1; host=$2; n=$3; shift 3
        while [ "$n" -gt 0 ]; do
          if [ -e "$2" ]; then mount --bind "$1" "$2" || exit 125; fi
          shift 2; n=$((n - 1))
        done
        if [ -n "$host" ]; then hostname "$host" || exit 125; fi
        if [ -n "$log" ]; then exec "$@" >>"$log" 2>&1 </dev/null; fi
        exec "$@"
        """;
}
