using System.Diagnostics;
using Weft.Linux.Interop;

namespace Weft.Linux.Firewall;

/// <summary>Runs a firewall tool (nft, iptables-legacy) with a bound on its time; only this folder runs such tools.</summary>
internal static class FirewallTool
{
    /// <summary>Runs <paramref name="tool"/> with <paramref name="arguments"/> (and <paramref name="input"/> on stdin): exit code, stdout, stderr.</summary>
    /// <exception cref="KernelException">The tool is missing (<paramref name="install"/> says what provides it) or did not finish in time.</exception>
    public static (int Exit, string Output, string Error) Run(string tool, IReadOnlyList<string> arguments, string? input, TimeSpan timeout, string install)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        var name = Path.GetFileName(tool);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new KernelException(Errno.ENOENT, "start", name);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new KernelException(Errno.ENOENT, "start", name, $"{e.Message}; {install}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.Write(input);
            }
            process.StandardInput.Close();
            if (!process.WaitForExit(timeout))
            {
                process.Kill();
                throw new KernelException(Errno.EBUSY, "run", name + " " + string.Join(' ', arguments), $"did not finish within {timeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
        }
    }
}
