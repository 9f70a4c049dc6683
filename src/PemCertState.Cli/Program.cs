using System.CommandLine;
using PemCertState.Cli;

var file = new Option<string>("--file", "-f")
{
    Description = "The inventory (default: $PEMSTATE_FILE, else ./pemstate.yaml)",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PEMSTATE_FILE") is { Length: > 0 } env ? env : "pemstate.yaml",
};
var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each step to stderr", Recursive = true };
var json = new Option<bool>("--json") { Description = "Machine-readable output" };
var detailedExitCode = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there are changes to apply, 0 when none" };
var autoApprove = new Option<bool>("--auto-approve") { Description = "Apply without asking (required when not on a terminal)" };
var acceptNewHostKeys = new Option<bool>("--accept-new-host-keys")
{
    Description = "Add the keys of SSH hosts that known_hosts does not know yet (a changed key is always refused)",
    Recursive = true,
};
var skipHost = new Option<string[]>("--skip-host")
{
    Description = "Leave this host and its agents out of the run; repeatable. The plan says what was left out",
    Recursive = true,
};
var parallelism = new Option<int>("--parallelism") { Description = "Hosts and key generations at once", DefaultValueFactory = _ => Environment.ProcessorCount };

var validate = new Command("validate", "Check the inventory against the schema and rules; observe nothing") { file };
validate.SetAction((result, ct) => Verbs.ValidateAsync(result.GetValue(file)!, ct));

var plan = new Command("plan", "Show the steps that would make the hosts match the inventory") { file, json, detailedExitCode };
plan.SetAction((result, ct) => Verbs.PlanAsync(result.GetValue(file)!, result.GetValue(json), result.GetValue(detailedExitCode), result.GetValue(verbose), Remote(result), ct));

var apply = new Command("apply", "Carry out the plan: backups, keys, certificates, settings, restarts") { file, autoApprove, parallelism };
apply.SetAction((result, ct) => Verbs.ApplyAsync(result.GetValue(file)!, result.GetValue(autoApprove), result.GetValue(parallelism), result.GetValue(verbose), Remote(result), ct));

var verify = new Command("verify", "Check chains, key pairs, the CRL, modes and expiry offline; exit 2 on findings") { file };
verify.SetAction((result, ct) => Verbs.VerifyAsync(result.GetValue(file)!, result.GetValue(verbose), Remote(result), ct));

var status = new Command("status", "List every certificate with its issuer and days left") { file, json };
status.SetAction((result, ct) => Verbs.StatusAsync(result.GetValue(file)!, result.GetValue(json), result.GetValue(verbose), Remote(result), ct));

var root = new RootCommand("pemstate: keep the SSL certificates of Postgres Enterprise Manager in a declared state")
{
    validate, plan, apply, verify, status,
};
root.Add(verbose);
root.Add(acceptNewHostKeys);
root.Add(skipHost);
return await root.Parse(args).InvokeAsync();

RemoteOptions Remote(ParseResult result) => new(result.GetValue(acceptNewHostKeys), result.GetValue(skipHost) ?? []);
