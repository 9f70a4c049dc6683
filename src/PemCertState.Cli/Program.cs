using System.CommandLine;
using PemCertState.Cli;

var file = new Option<string>("--file", "-f")
{
    Description = "The inventory (default: $PEMSTATE_FILE, else ./pemstate.yaml)",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PEMSTATE_FILE") is { Length: > 0 } env ? env : "pemstate.yaml",
};
var verbose = new Option<bool>("--verbose", "-v") { Description = "Log each step to stderr", Recursive = true };
var json = new Option<bool>("--json") { Description = "Machine-readable output" };
var markdown = new Option<bool>("--markdown") { Description = "The plan as Markdown for a pull-request comment (stable: an unchanged plan gives the same text)" };
var detailedExitCode = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there are changes to apply, 3 when certificate requests wait for a CA signature, 0 when none" };
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
var parallelism = new Option<int>("--parallelism") { Description = "Agents (and their hosts) worked on at once; key generation uses one thread a core at most", DefaultValueFactory = _ => 10 };

var validate = new Command("validate", "Check the inventory against the schema and rules; observe nothing") { file };
validate.SetAction((result, ct) => Verbs.ValidateAsync(result.GetValue(file)!, ct));

var outFile = new Option<string?>("--out") { Description = "Save the plan (with a fingerprint of what it was made from) for `pemstate apply FILE`" };
var planFile = new Argument<string?>("PLAN") { Description = "A plan saved with `plan --out`: apply exactly it, or refuse if what it was made from changed", Arity = ArgumentArity.ZeroOrOne };
var rotateCa = new Option<bool>("--rotate-ca") { Description = "Replace the self-signed CA now, with overlapping trust (old and new CA trusted until every certificate moved)" };
var rotateCommon = new Option<bool>("--rotate-common") { Description = "Issue a new common-user certificate (agents.user: common) and install it on every agent; every agent restarts and reconnects" };
var breakLock = new Option<bool>("--break-lock") { Description = "Remove a lock left by a pemstate that is no longer running" };
var backupId = new Option<string?>("--backup") { Description = "The backup id to restore (default: the newest); `pemstate backups` lists them" };

var plan = new Command("plan", "Show the steps that would make the hosts match the inventory") { file, json, detailedExitCode, outFile, rotateCa, rotateCommon };
plan.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.PlanAsync(result.GetValue(file)!, result.GetValue(json), result.GetValue(markdown), result.GetValue(detailedExitCode), result.GetValue(outFile), result.GetValue(verbose), Remote(result), new PemCertState.Planning.PlanOptions(result.GetValue(rotateCa), result.GetValue(rotateCommon)), ct)));
plan.Add(markdown);
plan.Validators.Add(result => { if (result.GetValue(json) && result.GetValue(markdown)) result.AddError("--json and --markdown cannot be used together."); });

var apply = new Command("apply", "Carry out the plan: backups, keys, certificates, settings, restarts") { file, planFile, autoApprove, parallelism, breakLock, rotateCa, rotateCommon };
apply.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.ApplyAsync(result.GetValue(file)!, result.GetValue(planFile), result.GetValue(autoApprove), result.GetValue(parallelism), result.GetValue(breakLock), result.GetValue(verbose), Remote(result), new PemCertState.Planning.PlanOptions(result.GetValue(rotateCa), result.GetValue(rotateCommon)), ct)));

var backups = new Command("backups", "List the backup sets that applies left, newest last") { file };
var keep = new Option<int>("--keep") { Description = "How many of the newest backup ids to keep", Required = true };
var prune = new Command("prune", "Delete every backup set but the newest --keep N (pemstate never deletes one unasked)") { file, keep, breakLock };
prune.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.PruneAsync(result.GetValue(file)!, result.GetValue(keep), result.GetValue(breakLock), result.GetValue(verbose), Remote(result), ct)));
backups.Add(prune);
backups.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.BackupsAsync(result.GetValue(file)!, result.GetValue(verbose), Remote(result), ct)));

var rollback = new Command("rollback", "Restore a backup set's files, modes and owners, then restart what they need") { file, backupId, autoApprove, breakLock };
rollback.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.RollbackAsync(result.GetValue(file)!, result.GetValue(backupId), result.GetValue(autoApprove), result.GetValue(breakLock), result.GetValue(verbose), Remote(result), ct)));

var connect = new Option<bool>("--connect") { Description = "Also log in to the PEM database as every agent with its certificate (needs server.database)" };
var verify = new Command("verify", "Check chains, key pairs, the CRL, modes and expiry offline; exit 2 on findings") { file, connect };
verify.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.VerifyAsync(result.GetValue(file)!, result.GetValue(connect), result.GetValue(verbose), Remote(result), ct)));

var status = new Command("status", "List every certificate with its issuer and days left") { file, json };
status.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.StatusAsync(result.GetValue(file)!, result.GetValue(json), result.GetValue(verbose), Remote(result), ct)));

var reportOut = new Option<string>("--out") { Description = "The HTML file to write (self-contained: no network, no script), e.g. pemstate.html", Required = true };
var report = new Command("report", "Write the fleet on one HTML page: validity timeline per CA, CRL, pending plan, verify's findings") { file, reportOut };
report.SetAction((result, ct) => Verbs.StoppingOnHostErrors(Verbs.ReportAsync(result.GetValue(file)!, result.GetValue(reportOut)!, result.GetValue(verbose), Remote(result), ct)));

var root = new RootCommand("pemstate: keep the SSL certificates of Postgres Enterprise Manager in a declared state")
{
    validate, plan, apply, verify, status, backups, rollback, report,
};
root.Add(verbose);
var logFormat = new Option<string>("--log-format")
{
    Description = "Log events on stderr as plain lines (text) or one JSON object each (json)",
    DefaultValueFactory = _ => LogOutput.Text,
    Recursive = true,
}.AcceptOnlyFromAmong(LogOutput.Text, LogOutput.Json);
root.Add(logFormat);
root.Add(acceptNewHostKeys);
root.Add(skipHost);
var parsed = root.Parse(args);
if (parsed.Errors.Count == 0) LogOutput.Format = parsed.GetValue(logFormat) ?? LogOutput.Text;
return await parsed.InvokeAsync();

RemoteOptions Remote(ParseResult result) => new(result.GetValue(acceptNewHostKeys), result.GetValue(skipHost) ?? []);
