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
    // With a log (a detached start), stderr is the starter's pipe until the command's exec replaces it with the log,
    // so whatever is written there before says why the command did not start; the command itself is looked up the
    // way exec will (this PATH, a regular executable file), so a missing or unexecutable one is reported, in Docker's
    // words, instead of being noticed only as an early exit 127 in the log. (A failure of that exec itself still goes to
    // the log: DetachedProcess with an ExecHandoff passes no log here and lets weft-exec do the last step.)
    private const string Script = """
        log=$1; host=$2; n=$3; shift 3
        while [ "$n" -gt 0 ]; do
          if [ -e "$2" ]; then mount --bind "$1" "$2" || exit 125; fi
          shift 2; n=$((n - 1))
        done
        if [ -n "$host" ]; then hostname "$host" || exit 125; fi
        if [ -z "$log" ]; then exec "$@"; fi
        found=; denied=
        case $1 in
          */*) if [ -d "$1" ]; then denied="is a directory"
               elif [ -f "$1" ] && [ -x "$1" ]; then found=1
               elif [ -e "$1" ]; then denied="permission denied"
               else denied="stat $1: no such file or directory"; fi ;;
          *) set -f; IFS=:
             for d in ${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}; do
               f=${d:-.}/$1
               if [ -f "$f" ] && [ -x "$f" ]; then found=1; break; fi
               if [ -e "$f" ]; then denied="permission denied"; fi
             done
             unset IFS; set +f ;;
        esac
        if [ -z "$found" ]; then
          printf 'exec: "%s": %s\n' "$1" "${denied:-executable file not found in \$PATH}" >&2
          if [ -n "$denied" ]; then exit 126; fi
          exit 127
        fi
        exec "$@" >>"$log" 2>&1 </dev/null
        """;
}
