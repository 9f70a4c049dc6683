using System.Text.RegularExpressions;
using PemCertState.Rendering;
using PemCertState.Tests.Inventory;
using PemCertState.Tests.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PemCertState.Tests.Examples;

/// <summary>
/// examples/gitops: the pipelines parse as YAML and have the structure their platform needs and the
/// pemstate calls the README promises (actionlint and GitLab's linter need a network; this is the
/// offline stand-in: structure, references between jobs, and the commands).
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class GitOpsPipelineTests
{
    private static readonly string Folder = Path.Combine(InventoryText.RepositoryRoot(), "examples", "gitops");

    /// <summary>Every workflow, as a path under examples/gitops: github/*.yml and the sharded example's.</summary>
    public static TheoryData<string> GitHubWorkflows() => [.. GitHubWorkflowFiles()];

    private static IEnumerable<string> GitHubWorkflowFiles() =>
        new[] { "github", Path.Combine("sharded", "github") }.SelectMany(d => Directory.GetFiles(Path.Combine(Folder, d), "*.yml").Select(f => Path.GetRelativePath(Folder, f)));

    /// <summary>Every GitLab pipeline, as a path under examples/gitops.</summary>
    private static readonly string[] GitLabPipelines = ["gitlab/.gitlab-ci.yml", "sharded/gitlab/.gitlab-ci.yml"];

    [Theory]
    [MemberData(nameof(GitHubWorkflows))]
    public void Every_GitHub_workflow_is_well_formed(string file)
    {
        // Given
        var workflow = Load(file);

        // When
        var jobs = Map(workflow, "jobs");

        // Then
        Assert.True(Has(workflow, "name") && Has(workflow, "on"), $"{file}: needs name and on");
        Assert.NotEmpty(jobs.Children);
        foreach (var (name, job) in Jobs(jobs))
        {
            Assert.True(Has(job, "runs-on"), $"{file}: job {name} has no runs-on");
            var steps = Assert.IsType<YamlSequenceNode>(job["steps"]);
            Assert.NotEmpty(steps.Children);
            foreach (var step in steps.Cast<YamlMappingNode>())
            {
                Assert.True(Has(step, "run") ^ Has(step, "uses"), $"{file}: job {name} has a step with neither or both of run and uses");
                if (Has(step, "uses")) Assert.Matches(@"^[\w.-]+/[\w.-]+@v\d+$", Scalar(step, "uses"));
            }
            if (job.Children.TryGetValue("needs", out var needs))
                Assert.All(Values(needs), n => Assert.True(jobs.Children.ContainsKey(n), $"{file}: job {name} needs unknown job {n}"));
            var runs = Runs(job);
            if (runs.Any(r => PemstateCall().IsMatch(r)))
            {
                var install = runs.FindIndex(r => r.Contains("dotnet tool install pemstate", StringComparison.Ordinal));
                Assert.True(install >= 0, $"{file}: job {name} runs pemstate without installing it");
                Assert.Contains("--add-source", runs[install], StringComparison.Ordinal);
                Assert.Contains("--version", runs[install], StringComparison.Ordinal);
                Assert.True(install < runs.FindIndex(r => PemstateCall().IsMatch(r)), $"{file}: job {name} runs pemstate before installing it");
            }
        }
        Assert.All(AllScalars(workflow), s => Assert.Equal(Count(s, "${{"), Count(s, "}}")));
    }

    [Fact]
    public void The_pull_request_workflow_posts_the_markdown_plan_as_one_comment()
    {
        // Given
        var workflow = Load("github/pemstate-plan.yml");

        // When
        var on = Map(workflow, "on");
        var jobs = Jobs(Map(workflow, "jobs")).ToList();

        // Then
        Assert.True(Has(on, "pull_request"));
        Assert.Contains(jobs, j => Runs(j.Job).Any(r => Calls(r, "plan", "--markdown", "--detailed-exitcode")));
        var comment = Assert.Single(jobs, j => Runs(j.Job).Any(r => r.Contains("gh pr comment", StringComparison.Ordinal)));
        Assert.Equal("write", Scalar(Map(comment.Job, "permissions"), "pull-requests"));
        Assert.Contains(Runs(comment.Job), r => r.Contains(PlanMarkdownRenderer.Marker, StringComparison.Ordinal));
    }

    [Fact]
    public void The_pull_request_saves_its_plan_and_the_merge_applies_that_file_not_a_fresh_plan()
    {
        // Given
        var pullRequest = Jobs(Map(Load("github/pemstate-plan.yml"), "jobs")).ToList();
        var workflow = Load("github/pemstate-apply.yml");

        // When
        var on = Map(workflow, "on");
        var jobs = Map(workflow, "jobs");
        var apply = Map(jobs, "apply");
        var savedPlan = Map(jobs, "saved-plan");

        // Then the pull request's plan job saves pemstate.plan in the artifact the merge downloads
        var planJob = Assert.Single(pullRequest, j => Runs(j.Job).Any(r => Calls(r, "plan", "--out pemstate.plan", "--markdown", "--detailed-exitcode"))).Job;
        var upload = Assert.Single(Uses(planJob, "actions/upload-artifact"), u => Scalar(Map(u, "with"), "path").Contains("pemstate.plan", StringComparison.Ordinal));
        Assert.Equal("pemstate-plan", Scalar(Map(upload, "with"), "name"));
        // and on a merge, no plan is made: the saved-plan job finds that run, and apply downloads its artifact and applies it
        Assert.Contains("main", Values(Map(on, "push")["branches"]));
        Assert.Contains("push", Scalar(savedPlan, "if"), StringComparison.Ordinal);
        Assert.Contains(Runs(savedPlan), r => r.Contains("--workflow pemstate-plan.yml", StringComparison.Ordinal) && r.Contains("run-id=", StringComparison.Ordinal));
        Assert.DoesNotContain(Runs(savedPlan), r => Calls(r, "plan"));
        Assert.Contains("saved-plan", Values(apply["needs"]));
        var download = Assert.Single(Uses(apply, "actions/download-artifact"));
        Assert.Equal("pemstate-plan", Scalar(Map(download, "with"), "name"));
        Assert.Contains("needs.saved-plan.outputs.run-id", Scalar(Map(download, "with"), "run-id"), StringComparison.Ordinal);
        Assert.Contains(Runs(apply), r => Calls(r, "apply pemstate.plan"));
        Assert.DoesNotContain(Runs(apply), r => Calls(r, "plan") || Calls(r, "apply", "--auto-approve"));
        // and a plan is made here only when run by hand, then applied as a saved file too
        Assert.Equal("github.event_name == 'workflow_dispatch'", Scalar(Map(jobs, "plan"), "if"));
        Assert.Contains(Runs(Map(jobs, "plan")), r => Calls(r, "plan", "--out pemstate.plan"));
        Assert.True(Has(apply, "environment"), "the apply job needs an environment, the approval gate");
        Assert.Equal("false", Scalar(Map(workflow, "concurrency"), "cancel-in-progress"));
    }

    [Theory]
    [MemberData(nameof(GitHubWorkflows))]
    public void Every_GitHub_workflow_that_runs_pemstate_publishes_the_HTML_report(string file)
    {
        // Given
        var jobs = Jobs(Map(Load(file), "jobs")).Where(j => Runs(j.Job).Any(r => PemstateCall().IsMatch(r) && !Calls(r, "validate"))).ToList();

        // Then
        Assert.Contains(jobs, j => Runs(j.Job).Any(r => Calls(r, "report", "--out pemstate.html")));
        foreach (var (_, job) in jobs.Where(j => Runs(j.Job).Any(r => Calls(r, "report"))))
            Assert.Contains(Uses(job, "actions/upload-artifact"), u => Scalar(Map(u, "with"), "name").StartsWith("pemstate-report", StringComparison.Ordinal) && Scalar(Map(u, "with"), "path") == "pemstate.html");
    }

    [Fact]
    public void The_nightly_workflow_fails_and_opens_an_issue_on_drift_or_findings()
    {
        // Given
        var workflow = Load("github/pemstate-nightly.yml");

        // When
        var schedule = Assert.IsType<YamlSequenceNode>(Map(workflow, "on")["schedule"]);
        var jobs = Jobs(Map(workflow, "jobs")).ToList();

        // Then
        Assert.Matches(@"^(\S+\s+){4}\S+$", Scalar((YamlMappingNode)schedule[0], "cron"));
        var check = Assert.Single(jobs, j => Runs(j.Job).Any(r => Calls(r, "verify")));
        Assert.Contains(Runs(check.Job), r => Calls(r, "plan", "--detailed-exitcode"));
        Assert.Contains(Runs(check.Job), r => r.Contains("exit 1", StringComparison.Ordinal));
        var report = Assert.Single(jobs, j => Runs(j.Job).Any(r => r.Contains("gh issue create", StringComparison.Ordinal)));
        Assert.Equal("write", Scalar(Map(report.Job, "permissions"), "issues"));
        Assert.Contains("failure", Scalar(report.Job, "if"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_GitLab_pipeline_plans_merge_requests_applies_the_saved_plan_and_checks_on_schedule()
    {
        // Given
        var pipeline = Load("gitlab/.gitlab-ci.yml");

        // When
        var stages = Values(pipeline["stages"]).ToList();
        var jobs = GitLabJobs(pipeline);

        // Then every job is complete: a stage that exists, a script, templates and needs that exist
        foreach (var (name, job) in jobs)
        {
            Assert.Contains(Scalar(job, "stage"), stages);
            Assert.NotEmpty(Values(job["script"]));
            if (job.Children.TryGetValue("needs", out var needs)) Assert.All(Values(needs), n => Assert.True(jobs.ContainsKey(n), $"{name} needs unknown job {n}"));
        }
        var template = Map(pipeline, ".pemstate");
        Assert.Contains(Values(template["before_script"]), l => l.Contains("dotnet tool install pemstate", StringComparison.Ordinal) && l.Contains("--add-source", StringComparison.Ordinal));
        Assert.All(jobs.Where(j => Script(j.Value).Any(l => PemstateCall().IsMatch(l))), j => Assert.Equal(".pemstate", Extends(pipeline, j.Value).Last()));

        // and the three uses are there
        var mergeRequest = Single(jobs, "merge_request_event");
        Assert.Contains(Script(mergeRequest), l => Calls(l, "plan", "--markdown", "--detailed-exitcode"));
        Assert.Contains(jobs.Values, j => Script(j).Any(l => l.Contains(PlanMarkdownRenderer.Marker, StringComparison.Ordinal)) && Text(j["rules"]).Contains("merge_request_event", StringComparison.Ordinal));
        Assert.Contains(Script(mergeRequest), l => Calls(l, "plan", "--out pemstate.plan"));
        Assert.Contains("pemstate.plan", Values(Map(mergeRequest, "artifacts")["paths"]));
        // a merge applies the merge request's saved plan: fetched from its plan job, never planned afresh
        var fetch = jobs["fetch:saved-plan"];
        Assert.Contains(Script(fetch), l => l.Contains("select(.name == \"plan:merge-request\")", StringComparison.Ordinal));
        Assert.Contains(Script(fetch), l => l.Contains("artifacts/pemstate.plan", StringComparison.Ordinal));
        Assert.Contains("pemstate.plan", Values(Map(fetch, "artifacts")["paths"]));
        var apply = jobs["apply"];
        Assert.Equal("fetch:saved-plan", Values(apply["needs"]).Single());
        Assert.Contains(Script(apply), l => Calls(l, "apply pemstate.plan"));
        Assert.True(Has(apply, "environment") && Has(apply, "resource_group"));
        Assert.All(jobs.Values.Where(j => Text(j["rules"]).Contains("\"push\"", StringComparison.Ordinal)),
            j => Assert.DoesNotContain(Script(j), l => Calls(l, "plan") || Calls(l, "apply", "--auto-approve")));
        Assert.Equal("plan:by-hand", Values(jobs["apply:by-hand"]["needs"]).Single());
        Assert.Contains(Script(jobs["plan:by-hand"]), l => Calls(l, "plan", "--out pemstate.plan"));
        // every job that observes the hosts publishes the report
        foreach (var name in new[] { "plan:merge-request", "apply", "apply:by-hand", "check:nightly" })
        {
            Assert.Contains(Script(jobs[name]), l => Calls(l, "report", "--out pemstate.html"));
            Assert.Contains("pemstate.html", Values(Map(jobs[name], "artifacts")["paths"]));
        }
        // and the template says where it must run for transport: local, and runs in no container by default
        Assert.False(Has(template, "image"), "a container would observe its own files, not the PEM server's, for transport: local");
        var text = File.ReadAllText(Path.Combine(Folder, "gitlab", ".gitlab-ci.yml"));
        Assert.Contains("transport: local", text, StringComparison.Ordinal);
        Assert.Contains("shell", text, StringComparison.Ordinal);
        Assert.Contains("Not in a container", text, StringComparison.Ordinal);
        var nightly = jobs["check:nightly"];
        Assert.Contains("schedule", Text(nightly["rules"]), StringComparison.Ordinal);
        Assert.Contains(Script(nightly), l => Calls(l, "plan", "--detailed-exitcode"));
        Assert.Contains(Script(nightly), l => Calls(l, "verify"));
        Assert.Contains("on_failure", Text(jobs["issue:nightly"]["rules"]), StringComparison.Ordinal);
    }

    /// <summary>
    /// Every pemstate command line in every pipeline names a verb pemstate has and only options that verb lists in its
    /// --help (asked of the built pemstate, so a renamed option breaks this test, not a pipeline).
    /// </summary>
    [Fact]
    public void Every_pemstate_command_in_the_pipelines_is_a_real_verb_with_real_options()
    {
        // Given every pemstate command line of the GitHub workflows and the GitLab pipelines (the sharded example's too)
        var lines = GitHubWorkflowFiles().SelectMany(f => Jobs(Map(Load(f), "jobs")).SelectMany(j => Runs(j.Job)))
            .Concat(GitLabPipelines.Select(Load).SelectMany(p => GitLabJobs(p).Values.SelectMany(j => Script(j).Concat(Lines(j, "after_script")))))
            .Concat(GitLabPipelines.Select(Load).SelectMany(p => Values(Map(p, ".pemstate")["before_script"])))
            .SelectMany(s => s.Split('\n')).ToList();
        var commands = lines.SelectMany(l => Command().Matches(l).Cast<Match>()).Select(m => (Verb: m.Groups["verb"].Value, Arguments: m.Groups["rest"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains(commands, c => c.Verb == "report");
        Assert.Contains(commands, c => c.Verb == "apply");
        Assert.Contains(commands, c => c.Verb == "apply" && c.Arguments.Contains("--rotate-ca"));

        // When each verb's --help is asked of pemstate's parser (in-process: this class runs no child process)
        var options = new Dictionary<string, HashSet<string>>();
        foreach (var verb in commands.Select(c => c.Verb).Distinct())
        {
            using var output = new StringWriter();
            var code = PemCertState.Cli.CommandLine.Build().Parse([verb, "--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
            var help = output.ToString();
            Assert.True(code == 0 && help.Contains($"pemstate {verb}", StringComparison.Ordinal), $"pemstate has no verb '{verb}': {help}");
            options[verb] = [.. HelpOptions().Matches(help).SelectMany(m => m.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries))];
        }

        // Then
        foreach (var (verb, arguments) in commands)
            foreach (var option in arguments.Where(a => a.StartsWith('-')))
                Assert.True(options[verb].Contains(option), $"pemstate {verb} has no option {option} (it has {string.Join(" ", options[verb])})");
    }

    [Fact]
    public void The_sharded_GitHub_workflow_runs_the_CA_job_alone_first_and_the_shards_as_a_matrix()
    {
        // Given
        var workflow = Load("sharded/github/pemstate-sharded.yml");

        // When
        var jobs = Map(workflow, "jobs");
        var ca = Map(jobs, "ca");
        var shards = Map(jobs, "shards");
        var rotate = Map(jobs, "rotate-ca");

        // Then the CA job and the rotation share one concurrency group, never cancelled, and only they touch ca.yaml / fleet.yaml
        Assert.Equal("pemstate-ca", Scalar(Map(ca, "concurrency"), "group"));
        Assert.Equal("pemstate-ca", Scalar(Map(rotate, "concurrency"), "group"));
        Assert.Equal("false", Scalar(Map(ca, "concurrency"), "cancel-in-progress"));
        Assert.Equal("false", Scalar(Map(workflow, "concurrency"), "cancel-in-progress"));
        Assert.Contains(Runs(ca), r => Calls(r, "plan", "-f ca.yaml", "--out ca.plan") && Calls(r, "apply ca.plan", "-f ca.yaml"));
        Assert.Contains(Runs(rotate), r => Calls(r, "apply", "-f fleet.yaml", "--rotate-ca"));
        // and the shards wait for it, one job per shard file, each refusing a plan that touches the CA or the server
        Assert.Equal("ca", Values(shards["needs"]).Single());
        var matrix = Values(Map(Map(shards, "strategy"), "matrix")["shard"]).ToList();
        Assert.Equal(Directory.GetFiles(Path.Combine(Folder, "sharded"), "shard-*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal), matrix);
        Assert.Contains(Runs(shards), r => r.Contains("grep -E '^# (ca|server\\.", StringComparison.Ordinal) && Calls(r, "apply shard.plan"));
        Assert.DoesNotContain(Runs(shards), r => r.Contains("--rotate-ca", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sharded_GitLab_pipeline_runs_the_CA_job_in_a_resource_group_and_the_shards_as_a_parallel_matrix()
    {
        // Given
        var pipeline = Load("sharded/gitlab/.gitlab-ci.yml");

        // When
        var stages = Values(pipeline["stages"]).ToList();
        var jobs = GitLabJobs(pipeline);

        // Then every job is complete
        foreach (var (name, job) in jobs)
        {
            Assert.Contains(Scalar(job, "stage"), stages);
            Assert.NotEmpty(Values(job["script"]));
            Assert.Equal(".pemstate", Extends(pipeline, job).Last());
            if (job.Children.TryGetValue("needs", out var needs)) Assert.All(Values(needs), n => Assert.True(jobs.ContainsKey(n), $"{name} needs unknown job {n}"));
        }
        Assert.Contains(Values(Map(pipeline, ".pemstate")["before_script"]), l => l.Contains("dotnet tool install pemstate", StringComparison.Ordinal) && l.Contains("--add-source", StringComparison.Ordinal));
        // and the CA job and the rotation are one resource group; the shards wait for the CA job, one job per shard file
        Assert.Equal("pemstate-ca", Scalar(jobs["ca"], "resource_group"));
        Assert.Equal("pemstate-ca", Scalar(jobs["rotate-ca"], "resource_group"));
        Assert.Contains(Script(jobs["rotate-ca"]), l => Calls(l, "apply", "-f fleet.yaml", "--rotate-ca"));
        var shard = jobs["shard"];
        Assert.Equal("ca", Values(shard["needs"]).Single());
        var matrix = Values(((YamlMappingNode)((YamlSequenceNode)Map(shard, "parallel")["matrix"])[0])["SHARD"]).ToList();
        Assert.Equal(Directory.GetFiles(Path.Combine(Folder, "sharded"), "shard-*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal), matrix);
        Assert.Contains(Script(shard), l => l.Contains("grep -E '^# (ca|server\\.", StringComparison.Ordinal));
        Assert.Contains(Script(shard), l => Calls(l, "apply shard.plan", "-f \"$SHARD.yaml\""));
        Assert.All(jobs.Values, j => Assert.Contains(Lines(j, "after_script"), l => Calls(l, "report", "--out pemstate.html")));
    }

    private static Dictionary<string, YamlMappingNode> GitLabJobs(YamlMappingNode pipeline) =>
        pipeline.Children
            .Where(c => c.Key is YamlScalarNode { Value: var k } && !k!.StartsWith('.') && k is not ("stages" or "variables" or "workflow" or "default" or "include"))
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Resolved(pipeline, (YamlMappingNode)c.Value));

    /// <summary>A GitLab job with what it `extends` filled in, as GitLab merges it (the job's own keys win).</summary>
    private static YamlMappingNode Resolved(YamlMappingNode pipeline, YamlMappingNode job)
    {
        var merged = new YamlMappingNode();
        foreach (var template in Enumerable.Reverse(Extends(pipeline, job)))
            foreach (var (key, value) in Map(pipeline, template).Children) merged.Children[key] = value;
        foreach (var (key, value) in job.Children) merged.Children[key] = value;
        return merged;
    }

    /// <summary>The templates a job extends, nearest first (".apply", then ".pemstate").</summary>
    private static List<string> Extends(YamlMappingNode pipeline, YamlMappingNode job)
    {
        var chain = new List<string>();
        for (var node = job; node.Children.TryGetValue("extends", out var extends);)
        {
            var name = Values(extends).Single();
            Assert.True(Has(pipeline, name), $"a job extends {name}, which is missing");
            Assert.DoesNotContain(name, chain);
            chain.Add(name);
            node = Map(pipeline, name);
        }
        return chain;
    }

    private static IEnumerable<YamlMappingNode> Uses(YamlMappingNode job, string action) =>
        ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().Where(s => Has(s, "uses") && Scalar(s, "uses").StartsWith(action + "@", StringComparison.Ordinal));

    private static YamlMappingNode Single(Dictionary<string, YamlMappingNode> jobs, string ruleText) =>
        Assert.Single(jobs.Values, j => j.Children.ContainsKey("rules") && Text(j["rules"]).Contains(ruleText, StringComparison.Ordinal) && Script(j).Any(l => PemstateCall().IsMatch(l)));

    private static YamlMappingNode Load(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Folder, relativePath));
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static IEnumerable<(string Name, YamlMappingNode Job)> Jobs(YamlMappingNode jobs) =>
        jobs.Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value));

    private static bool Has(YamlMappingNode map, string key) => map.Children.ContainsKey(key);

    private static YamlMappingNode Map(YamlMappingNode map, string key) => Assert.IsType<YamlMappingNode>(map[key]);

    private static string Scalar(YamlMappingNode map, string key) => Assert.IsType<YamlScalarNode>(map[key]).Value ?? "";

    /// <summary>A scalar or a sequence of scalars, as `needs`, `branches` and `stages` may be written either way.</summary>
    private static IEnumerable<string> Values(YamlNode node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode q => q.Children.SelectMany(Values),
        _ => throw new Xunit.Sdk.XunitException($"expected a scalar or a list at {node.Start}"),
    };

    private static List<string> Runs(YamlMappingNode job) =>
        [.. ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().Where(s => Has(s, "run")).Select(s => Scalar(s, "run"))];

    private static List<string> Script(YamlMappingNode job) => [.. Values(job["script"])];

    private static IEnumerable<string> Lines(YamlMappingNode job, string key) => job.Children.TryGetValue(key, out var node) ? Values(node) : [];

    private static string Text(YamlNode node) => string.Join("\n", AllScalars(node));

    private static IEnumerable<string> AllScalars(YamlNode node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode q => q.Children.SelectMany(AllScalars),
        YamlMappingNode m => m.Children.SelectMany(c => AllScalars(c.Key).Concat(AllScalars(c.Value))),
        _ => [],
    };

    /// <summary>Whether a script runs `pemstate VERB` with every one of the given flags on the same command line.</summary>
    private static bool Calls(string script, string verb, params string[] flags) =>
        script.Split('\n').Any(line => Regex.IsMatch(line, $@"(^\s*|[;&|]\s*)pemstate {Regex.Escape(verb)}\b") && flags.All(f => line.Contains(f, StringComparison.Ordinal)));

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>pemstate run as a command (at a line's start or after ; &amp;&amp; ||), not named in an echo.</summary>
    [GeneratedRegex(@"(^\s*|[;&|]\s*)pemstate (plan|apply|verify|validate|status|report)\b", RegexOptions.Multiline)]
    private static partial Regex PemstateCall();

    /// <summary>A pemstate command on one line: its verb and its words up to a redirection, pipe or the next command.</summary>
    [GeneratedRegex(@"(?:^\s*|[;&|]\s*)pemstate (?<verb>[a-z]+)(?<rest>[^;&|>\n]*)")]
    private static partial Regex Command();

    /// <summary>The names on an option line of --help ("  -f, --file &lt;file&gt;  The inventory ...").</summary>
    [GeneratedRegex(@"(?m)^\s+(?<names>-[\w?-]+(?:,\s*-[\w?-]+)*)")]
    private static partial Regex HelpOptions();
}
