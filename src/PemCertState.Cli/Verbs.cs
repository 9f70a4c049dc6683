using System.Globalization;
using Microsoft.Extensions.Logging;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Verification;
using Spectre.Console;

namespace PemCertState.Cli;

/// <summary>One method per verb: load, observe, plan or act, render, exit code. The engine does the work.</summary>
internal static class Verbs
{
    public static Task<int> ValidateAsync(string file, CancellationToken ct)
    {
        _ = ct;
        var desired = Load(file);
        if (desired is null) return Task.FromResult(ExitCodes.Error);
        Console.Out.Write($"{file}: valid ({desired.Agents.List.Count} agents on {desired.Hosts.Count} hosts).\n");
        return Task.FromResult(ExitCodes.Done);
    }

    public static async Task<int> PlanAsync(string file, bool json, bool detailedExitCode, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        var filter = Filter(Load(file), remote);
        if (filter is null) return ExitCodes.Error;
        var desired = filter.Desired;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var plan = Planner.Create(desired, observed, Now());
        Console.Out.Write(json ? PlanJsonRenderer.Render(plan) : PlanTextRenderer.Render(plan));
        if (Refuses(plan, filter)) return ExitCodes.Error;
        return detailedExitCode && !plan.IsEmpty ? ExitCodes.ChangesPending : ExitCodes.Done;
    }

    public static async Task<int> ApplyAsync(string file, bool autoApprove, int parallelism, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        var filter = Filter(Load(file), remote);
        if (filter is null) return ExitCodes.Error;
        var desired = filter.Desired;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var plan = Planner.Create(desired, observed, Now());
        Console.Out.Write(PlanTextRenderer.Render(plan));
        if (Refuses(plan, filter)) return ExitCodes.Error;
        if (plan.IsEmpty) return ExitCodes.Done;

        if (!autoApprove)
        {
            if (!Terminal.IsInteractive)
            {
                Console.Error.Write("pemstate: refusing to apply without a person to confirm; pass --auto-approve to apply unattended.\n");
                return ExitCodes.Error;
            }
            var answer = AnsiConsole.Prompt(new TextPrompt<string>("Apply these steps? Only [bold]yes[/] is accepted:").AllowEmpty());
            if (answer != "yes")
            {
                Console.Out.Write("Apply cancelled; nothing changed.\n");
                return ExitCodes.Error;
            }
        }

        var executor = new Executor(hosts, loggers.CreateLogger<Executor>(), Clock());
        var keyCount = plan.Steps.Count(s => s.Action == StepAction.GenerateKey);
        ApplyResult result;
        if (Terminal.IsInteractive && keyCount > 1)
        {
            result = await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
            {
                var task = context.AddTask($"generating {keyCount} keys", maxValue: keyCount);
                var progress = new Progress<KeyProgress>(p => task.Value = p.Done);
                return await executor.ApplyAsync(desired, observed, plan, parallelism, progress, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        else
        {
            result = await executor.ApplyAsync(desired, observed, plan, parallelism, null, ct).ConfigureAwait(false);
        }

        foreach (var set in result.BackupSets) Console.Out.Write($"Backup set: {set}\n");
        if (result.Succeeded)
        {
            Console.Out.Write($"Apply complete: {result.Completed.Count} steps on {plan.Resources.Count} resources.\n");
            return ExitCodes.Done;
        }
        Console.Error.Write($"pemstate: apply stopped at step {result.Completed.Count + 1} of {plan.Steps.Count}, " +
            $"{result.FailedStep!.Address} ({PlanTextRenderer.Verb(result.FailedStep.Action)}) on {result.FailedStep.Host}: {result.Failure}\n" +
            $"{result.Completed.Count} steps completed before it; the steps after it did not run. Run `pemstate plan` to see what is left.\n");
        return ExitCodes.Error;
    }

    public static async Task<int> VerifyAsync(string file, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        var filter = Filter(Load(file), remote);
        if (filter is null) return ExitCodes.Error;
        var desired = filter.Desired;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var findings = OfflineVerifier.Verify(desired, observed, Now());
        Console.Out.Write(FindingsRenderer.Render(findings));
        return findings.Count == 0 ? ExitCodes.Done : ExitCodes.ChangesPending;
    }

    public static async Task<int> StatusAsync(string file, bool json, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        var filter = Filter(Load(file), remote);
        if (filter is null) return ExitCodes.Error;
        var desired = filter.Desired;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var rows = StatusReport.Create(desired, observed, Now());
        Console.Out.Write(json ? StatusRenderer.RenderJson(rows) : StatusRenderer.RenderText(rows));
        return ExitCodes.Done;
    }

    private static DesiredState? Load(string file)
    {
        var result = InventoryLoader.Load(file);
        foreach (var diagnostic in result.Diagnostics) Console.Error.Write($"{diagnostic}\n");
        if (result.IsValid) return result.State;
        Console.Error.Write($"pemstate: {result.Diagnostics.Count} problem(s) in {file}; nothing was observed or changed.\n");
        return null;
    }

    private static async Task<ObservedState?> ObserveAsync(DesiredState desired, HostSet hosts, CancellationToken ct)
    {
        try
        {
            return await new Observer(hosts).ObserveAsync(desired, ct).ConfigureAwait(false);
        }
        catch (HostOperationException e)
        {
            var hint = desired.Hosts.TryGetValue(e.Host, out var spec) && spec.Transport == HostTransport.Ssh && e.Host != desired.Server.Host
                ? $" To leave it out of this run: --skip-host {e.Host}" : "";
            Console.Error.Write($"pemstate: cannot observe {e.Message}; nothing was changed.{hint}\n");
            return null;
        }
    }

    /// <summary>Applies --skip-host; says what is left out (on stderr, so that --json output stays JSON). Null: refused.</summary>
    private static HostFilterResult? Filter(DesiredState? desired, RemoteOptions remote)
    {
        if (desired is null) return null;
        var filter = HostFilter.Apply(desired, remote.SkipHosts);
        if (filter.Error is not null)
        {
            Console.Error.Write($"pemstate: {filter.Error}; nothing was observed or changed.\n");
            return null;
        }
        if (filter.Summary is { } summary) Console.Error.Write($"{summary}\n");
        return filter;
    }

    private static bool Refuses(Plan plan, HostFilterResult filter)
    {
        if (HostFilter.Conflict(plan, filter) is not { } conflict) return false;
        Console.Error.Write($"pemstate: refusing this plan: {conflict}. Nothing was changed.\n");
        return true;
    }

    private static HostSet Hosts(DesiredState desired, RemoteOptions remote) =>
        new(desired, new SshOptions(remote.AcceptNewHostKeys, Notice: notice => Console.Error.Write($"pemstate: {notice}\n")));

    private static ILoggerFactory Loggers(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddSimpleConsole(o => { o.SingleLine = true; o.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled; })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>The clock. PEMSTATE_NOW (ISO 8601) pins it, for tests and for "what will plan say on that day" questions.</summary>
    private static TimeProvider Clock() =>
        Environment.GetEnvironmentVariable("PEMSTATE_NOW") is { Length: > 0 } pinned
            ? new FixedClock(DateTimeOffset.Parse(pinned, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            : TimeProvider.System;

    private static DateTimeOffset Now() => Clock().GetUtcNow();

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
