using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Weft.Agent.Api;

/// <summary>
/// How the agent builds each of its HTTP servers (the API, the Docker plugin, metrics): the empty builder with Kestrel's
/// core and routing. Not the slim or default builder: those read appsettings.json from the working directory with
/// reload-on-change, which is a recursive inotify watch of that directory. Under systemd, and in the lab, the working
/// directory is "/": an agent held 45,000 watches on the whole file system, 9 MiB more memory, and woke for every file
/// written anywhere. No HTTPS and no console lifetime either (the agent owns its signals).
/// </summary>
internal static class KestrelApp
{
    public static WebApplicationBuilder CreateBuilder(ILoggerProvider logs, Action<KestrelServerOptions> listen)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRoutingCore();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(listen);
        return builder;
    }
}
