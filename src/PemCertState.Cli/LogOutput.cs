using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PemCertState.Cli;

/// <summary>
/// Where and how log events go: always stderr (stdout carries the plan, which pipelines diff and
/// post), as one plain line or, with <c>--log-format json</c>, one JSON object per event for a log
/// collector.
/// </summary>
internal static class LogOutput
{
    public const string Text = "text";
    public const string Json = "json";

    /// <summary>
    /// -v's log of what is observed (hosts connected, files read, commands and queries run); null without -v.
    /// One for the run, made and disposed (flushed) by <see cref="CommandLine.RunAsync"/>.
    /// </summary>
    public static ILoggerFactory? Observation { get; set; }

    /// <summary>The one level <see cref="Create"/> sets; no other filter is added.</summary>
    public static LogLevel MinimumLevel(bool verbose) => verbose ? LogLevel.Information : LogLevel.Warning;

    public static ILoggerFactory Create(bool verbose, string format) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(MinimumLevel(verbose));
        if (format == Json)
        {
            builder.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.AddSimpleConsole(o => { o.SingleLine = true; o.ColorBehavior = LoggerColorBehavior.Disabled; });
        }
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
