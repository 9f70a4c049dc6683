using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using PemCertState.Planning;

namespace PemCertState.Cli;

/// <summary>
/// The verbs and their options: the one table that the parser, every verb's --help and the completion scripts
/// (<see cref="Completion"/>) all read, so that none of them can list an option the others do not know.
/// An option is given only to the verbs that use it: --help never lists one a verb would ignore.
/// </summary>
internal static class CommandLine
{
    /// <summary>What the program reads from its environment once, at its edge, for every verb.</summary>
    public sealed record Edge(TimeProvider Clock, Interrupts Interrupts, Func<int, Task>? AfterStep)
    {
        /// <summary>Whether the program takes stderr for a terminal (<see cref="Terminal.ProgressOnStderr"/>): progress of long waits only then.</summary>
        public bool StderrIsTerminal { get; init; }

        /// <summary>Where that progress goes: stderr (a test hands its own writer).</summary>
        public TextWriter? Stderr { get; init; }

        public static Edge Default { get; } = new(TimeProvider.System, Interrupts.None, null);
    }

    /// <summary>Placeholders whose values are files on this machine: the completion scripts complete file names there.</summary>
    public static readonly IReadOnlySet<string> FilePlaceholders = new HashSet<string>(StringComparer.Ordinal) { "FILE", "PLAN" };

    /// <param name="edge">What the program read from its environment (the clock, the interruption policy, the crash tests'
    /// failure point); <see cref="Edge.Default"/> for a tree only inspected (help, completion).</param>
    public static RootCommand Build(Edge? edge = null)
    {
        edge ??= Edge.Default;
        var file = new Option<string>("--file", "-f")
        {
            Description = "The inventory (default: $PEMSTATE_FILE, else ./pemstate.yaml)",
            HelpName = "FILE",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PEMSTATE_FILE") is { Length: > 0 } env ? env : "pemstate.yaml",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log to stderr what is observed (hosts connected, files read, queries run, with timings) and each step" };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "Log events on stderr as plain lines (text) or one JSON object each (json)",
            DefaultValueFactory = _ => LogOutput.Text,
        }.AcceptOnlyFromAmong(LogOutput.Text, LogOutput.Json);
        var acceptNewHostKeys = new Option<bool>("--accept-new-host-keys") { Description = "Add the keys of SSH hosts that known_hosts does not know yet (a changed key is always refused)" };
        var skipHost = new Option<string[]>("--skip-host")
        {
            Description = "Leave this host and its agents out of the run; repeatable. The plan says what was left out",
            HelpName = "HOST",
        };
        var noColor = new Option<bool>("--no-color") { Description = "No colours, even on a terminal (also: NO_COLOR set to anything)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var markdown = new Option<bool>("--markdown") { Description = "The plan as Markdown for a pull-request comment (stable: an unchanged plan gives the same text)" };
        var detailedExitCode = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there are changes to apply, 3 when certificate requests wait for a CA signature, 0 when none" };
        var autoApprove = new Option<bool>("--auto-approve") { Description = "Go ahead without asking (required when not on a terminal)" };
        var parallelism = Count("--parallelism", 1, 10, "Agents (and their hosts) worked on at once; key generation uses one thread a core at most");
        var outFile = new Option<string?>("--out") { Description = "Save the plan (with a fingerprint of what it was made from) for `pemstate apply PLAN`", HelpName = "FILE" };
        var planFile = new Argument<string?>("PLAN") { Description = "A plan saved with `plan --out`: apply exactly it, or refuse if what it was made from changed", Arity = ArgumentArity.ZeroOrOne };
        // A mistyped option would otherwise be taken for the plan's file name.
        planFile.Validators.Add(r => { if (r.Tokens is [{ Value: ['-', _, ..] value }]) r.AddError($"{UnknownOption}'{value}'"); });
        var rotateCa = new Option<bool>("--rotate-ca") { Description = "Replace the self-signed CA now, with overlapping trust (old and new CA trusted until every certificate moved)" };
        var rotateCommon = new Option<bool>("--rotate-common") { Description = "Issue a new common-user certificate (agents.user: common) and install it on every agent; every agent restarts and reconnects" };
        var breakLock = new Option<bool>("--break-lock") { Description = "Remove a lock left by a pemstate that is no longer running" };
        var backupId = new Option<string?>("--backup") { Description = "The backup id to restore (default: the newest); `pemstate backups` lists them", HelpName = "ID" };
        var keep = Count("--keep", 0, null, "How many of the newest backup ids to keep");
        keep.Required = true;
        var connect = new Option<bool>("--connect") { Description = "Also log in to the PEM database as every agent with its certificate (needs server.database), and to web.address" };

        // What every verb that reaches the hosts takes: the inventory, logging, SSH host keys, hosts to leave out.
        Option[] Observing() => [file, verbose, logFormat, acceptNewHostKeys, skipHost];
        RemoteOptions Remote(ParseResult r) => new(r.GetValue(acceptNewHostKeys), r.GetValue(skipHost) ?? [])
        {
            Loggers = LogOutput.Observation,
            Waits = WaitProgress.For(edge.StderrIsTerminal, edge.Stderr ?? Console.Error, TimeProvider.System, Terminal.UseColour),
        };
        PlanOptions Options(ParseResult r) => new(r.GetValue(rotateCa), r.GetValue(rotateCommon));
        VerbContext Context(ParseResult r) => new(r.GetValue(verbose), r.GetValue(logFormat) ?? LogOutput.Text, edge.Clock, edge.Interrupts, edge.AfterStep);

        var validate = new Verb("validate", "Check the inventory against the schema and rules; observe nothing",
            "pemstate validate -f pemstate.yaml", "pemstate validate    # ./pemstate.yaml, or $PEMSTATE_FILE") { file };
        validate.SetAction((r, ct) => Verbs.ValidateAsync(r.GetValue(file)!, ct));

        var plan = new Verb("plan", "Show the steps that would make the hosts match the inventory",
            "pemstate plan -f pemstate.yaml --detailed-exitcode", "pemstate plan --out pemstate.plan    # then: pemstate apply pemstate.plan")
        {
            Observing(), json, markdown, detailedExitCode, outFile, rotateCa, rotateCommon, noColor,
        };
        plan.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.PlanAsync(r.GetValue(file)!, r.GetValue(json), r.GetValue(markdown), r.GetValue(detailedExitCode), r.GetValue(outFile), Context(r), Remote(r), Options(r), ct)));
        plan.Validators.Add(r => { if (r.GetValue(json) && r.GetValue(markdown)) r.AddError("--json and --markdown cannot be used together."); });

        var apply = new Verb("apply", "Carry out the plan: backups, keys, certificates, settings, restarts",
            "pemstate apply -f pemstate.yaml --auto-approve", "pemstate apply pemstate.plan    # exactly the steps `plan --out` saved")
        {
            Observing(), planFile, autoApprove, parallelism, breakLock, rotateCa, rotateCommon, noColor,
        };
        apply.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.ApplyAsync(r.GetValue(file)!, r.GetValue(planFile), r.GetValue(autoApprove), r.GetValue(parallelism), r.GetValue(breakLock), Context(r), Remote(r), Options(r), ct)));

        var verify = new Verb("verify", "Check chains, key pairs, the CRL, modes and expiry offline; exit 2 on findings",
            "pemstate verify -f pemstate.yaml", "pemstate verify --connect    # also log in as every agent")
        {
            Observing(), connect,
        };
        verify.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.VerifyAsync(r.GetValue(file)!, r.GetValue(connect), Context(r), Remote(r), ct)));

        var statusFormat = new Option<string?>("--format")
        {
            Description = "text (the default table), json, or prometheus: metrics for node_exporter's textfile collector",
        }.AcceptOnlyFromAmong(Verbs.StatusFormats);
        var prometheus = new Option<bool>("--prometheus") { Description = "Same as --format prometheus" };
        var statusOut = new Option<string?>("--out") { Description = "Write to FILE instead of stdout, replacing it whole (temp file, fsync, rename; mode 0644), e.g. for a cron job or systemd timer", HelpName = "FILE" };
        var status = new Verb("status", "List every certificate with its issuer and days left",
            "pemstate status -f pemstate.yaml", "pemstate status --prometheus --out /var/lib/prometheus/node-exporter/pemstate.prom")
        {
            Observing(), json, statusFormat, prometheus, statusOut,
        };
        status.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.StatusAsync(r.GetValue(file)!,
            Verbs.StatusFormat(r.GetValue(statusFormat), r.GetValue(json), r.GetValue(prometheus)) ?? "text", r.GetValue(statusOut), Context(r), Remote(r), ct)));
        status.Validators.Add(r =>
        {
            if (Verbs.StatusFormat(r.GetValue(statusFormat), r.GetValue(json), r.GetValue(prometheus)) is null)
                r.AddError("--format, --json and --prometheus name different formats; give one.");
        });

        var reportOut = new Option<string>("--out") { Description = "The HTML file to write (self-contained: no network, no script), e.g. pemstate.html", Required = true, HelpName = "FILE" };
        var report = new Verb("report", "Write the fleet on one HTML page: validity timeline per CA, CRL, pending plan, verify's findings",
            "pemstate report --out pemstate.html", "pemstate report -f pemstate.yaml --out /var/www/pemstate/index.html")
        {
            Observing(), reportOut,
        };
        report.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.ReportAsync(r.GetValue(file)!, r.GetValue(reportOut)!, Context(r), Remote(r), ct)));

        var prune = new Verb("prune", "Delete every backup set but the newest --keep N (pemstate never deletes one unasked)",
            "pemstate backups prune --keep 5") { Observing(), keep, breakLock };
        prune.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.PruneAsync(r.GetValue(file)!, r.GetValue(keep), r.GetValue(breakLock), Context(r), Remote(r), ct)));
        var backups = new Verb("backups", "List the backup sets that applies left, newest last",
            "pemstate backups -f pemstate.yaml", "pemstate backups prune --keep 5") { Observing(), prune };
        backups.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.BackupsAsync(r.GetValue(file)!, Context(r), Remote(r), ct)));

        var rollback = new Verb("rollback", "Restore a backup set's files, modes and owners, then restart what they need",
            "pemstate rollback    # the newest backup set, after asking", "pemstate rollback --backup 20271101T093000Z --auto-approve")
        {
            Observing(), backupId, autoApprove, breakLock, noColor,
        };
        rollback.SetAction((r, ct) => Verbs.StoppingOnHostErrors(Verbs.RollbackAsync(r.GetValue(file)!, r.GetValue(backupId), r.GetValue(autoApprove), r.GetValue(breakLock), Context(r), Remote(r), ct)));

        var shell = new Argument<string>("SHELL") { Description = "The shell to complete for" }.AcceptOnlyFromAmong(Completion.Shells);
        var completion = new Verb("completion", "Print a completion script for bash, zsh, fish or PowerShell",
            "source <(pemstate completion bash)    # in ~/.bashrc", "pemstate completion fish > ~/.config/fish/completions/pemstate.fish") { shell };

        var root = new RootCommand("pemstate: keep the SSL certificates of Postgres Enterprise Manager in a declared state")
        {
            validate, plan, apply, verify, status, report, backups, rollback, completion,
        };
        completion.SetAction(r =>
        {
            Console.Out.Write(Completion.Script(r.GetValue(shell)!, root));
            return ExitCodes.Done;
        });
        ShowExamples(root);
        return root;
    }

    /// <summary>
    /// Parses and runs. A mistake on the command line is one plain sentence naming the verb (and the nearest
    /// option, when one is near), exit 1; not the library's message followed by the whole help.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        // The edge: the environment is read here, once, and handed down (the clock, the crash tests' failure point).
        if (VerbContext.ClockFromEnvironment(out var clockError) is not { } clock)
        {
            Console.Error.Write($"pemstate: {clockError}\n");
            return ExitCodes.Error;
        }
        // `pemstate --version` alone prints what System.CommandLine's --version prints, without building the verbs: a
        // pipeline's first check of the tool costs a process start, not the command tree (about 30 ms of 75).
        if (args is ["--version"])
        {
            Console.Out.Write($"{Version}\n");
            return ExitCodes.Done;
        }
        using var interrupts = Interrupts.Register();
        var parsed = Build(new Edge(clock, interrupts, VerbContext.FailpointFromEnvironment()) { StderrIsTerminal = Terminal.ProgressOnStderr }).Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpWithExamples)
        {
            foreach (var message in Mistakes(parsed)) Console.Error.Write($"{message}\n");
            return ExitCodes.Error;
        }
        var format = parsed.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--log-format") is Option<string> logFormat
            ? parsed.GetValue(logFormat) ?? LogOutput.Text : LogOutput.Text;
        Terminal.NoColorOption = parsed.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--no-color") is Option<bool> noColor && parsed.GetValue(noColor);
        if (parsed.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--verbose") is Option<bool> verbose && parsed.GetValue(verbose))
        {
            LogOutput.Observation = LogOutput.Create(verbose: true, format);
            // The PEM database's connections with their duration, and Npgsql's own events (parameters never logged).
            Database.PemDatabase.Logging = LogOutput.Observation;
        }
        try
        {
            // Signals are pemstate's own (Interrupts): System.CommandLine's handler would end the process 2 s after Ctrl-C, mid-step.
            var code = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupts.BetweenSteps).ConfigureAwait(false);
            return interrupts.Requested ? interrupts.Conclude(CommandPath(parsed.CommandResult.Command)["pemstate ".Length..], code) : code;
        }
        finally
        {
            LogOutput.Observation?.Dispose();
        }
    }

    /// <summary>What System.CommandLine's --version prints: the program's informational version, else its assembly version.</summary>
    private static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CommandLine).Assembly.GetName().Version?.ToString() ?? "";

    /// <summary>The parse errors as sentences: unknown options get the closest known one of that verb.</summary>
    public static IEnumerable<string> Mistakes(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var path = CommandPath(command);
        var unknown = parsed.Errors.Where(e => e.Message.StartsWith(UnknownOption, StringComparison.Ordinal)).Select(e => e.Message[(UnknownOption.Length + 1)..^1]);
        foreach (var token in parsed.UnmatchedTokens.Concat(unknown))
        {
            if (token.StartsWith('-'))
            {
                var names = Completion.OptionsOf(command).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                var closest = Closest(token.Split('=')[0], names);
                yield return $"{path}: unknown option '{token}'{(closest is null ? "" : $"; did you mean '{closest}'?")} (`{path} --help` lists its options)";
            }
            else if (command.Subcommands.Count > 0)
            {
                var closest = Closest(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                yield return $"{path}: unknown verb '{token}'{(closest is null ? "" : $"; did you mean '{closest}'?")} (`{path} --help` lists them)";
            }
            else
            {
                yield return $"{path}: unexpected argument '{token}' (`{path} --help` shows what it takes)";
            }
        }
        foreach (var error in parsed.Errors)
        {
            if (error.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal) || error.Message.StartsWith(UnknownOption, StringComparison.Ordinal)) continue;
            if (error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                if (parsed.UnmatchedTokens.Count > 0) continue;
                yield return $"{path}: which verb? One of: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (`{path} --help` says what each does)";
                continue;
            }
            yield return $"{path}: {error.Message}";
        }
    }

    private const string UnknownOption = "unknown option ";

    /// <summary>"pemstate backups prune".</summary>
    public static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? at = command; at is Command c; at = c.Parents.FirstOrDefault())
            names.Insert(0, c is RootCommand ? "pemstate" : c.Name);
        return string.Join(' ', names);
    }

    private static string? Closest(string typed, IEnumerable<string> known)
    {
        var names = known.ToList();
        // A unique prefix is what was meant ('pemstate pl' is plan), before any typo distance.
        var prefixed = names.Where(n => n.StartsWith(typed, StringComparison.Ordinal) && typed.TrimStart('-').Length > 0).Distinct().ToList();
        return prefixed.Count == 1 ? prefixed[0] : Inventory.NameSuggestions.Closest(typed, names);
    }

    /// <summary>A count with its own plain message: "--parallelism must be 1 or more", not a type-conversion error.</summary>
    private static Option<int> Count(string name, int minimum, int? byDefault, string description)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0) return byDefault ?? 0;
                var text = result.Tokens[0].Value;
                if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= minimum) return n;
                result.AddError($"{name} must be {minimum} or more (a whole number); got '{text}'");
                return minimum;
            },
        };
        if (byDefault is { } value) option.DefaultValueFactory = _ => value;
        return option;
    }

    /// <summary>Every verb's --help ends with its examples.</summary>
    private static void ShowExamples(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);
    }

    /// <summary>The library's help, then the verb's examples (the help layout itself is not public in System.CommandLine 3).</summary>
    private sealed class HelpWithExamples(HelpAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = help.Invoke(parseResult);
            if (parseResult.CommandResult.Command is Verb { Examples.Count: > 0 } verb)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in verb.Examples) output.WriteLine($"  {example}");
                output.WriteLine();
            }
            return code;
        }
    }
}

/// <summary>A verb with the examples its --help shows.</summary>
internal sealed class Verb(string name, string description, params string[] examples) : Command(name, description)
{
    public IReadOnlyList<string> Examples { get; } = examples;

    /// <summary>Lets a group of shared options sit in a collection initializer beside single ones.</summary>
    public void Add(IEnumerable<Option> options)
    {
        foreach (var option in options) Add(option);
    }
}
