using System.Text.RegularExpressions;
using PemCertState.Rendering;
using PemCertState.Tests.Inventory;
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

    public static TheoryData<string> GitHubWorkflows() => [.. Directory.GetFiles(Path.Combine(Folder, "github"), "*.yml").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(GitHubWorkflows))]
    public void Every_GitHub_workflow_is_well_formed(string file)
    {
        // Given
        var workflow = Load(Path.Combine("github", file));

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
    public void The_merge_workflow_applies_the_plan_it_saved()
    {
        // Given
        var workflow = Load("github/pemstate-apply.yml");

        // When
        var on = Map(workflow, "on");
        var jobs = Map(workflow, "jobs");

        // Then
        Assert.Contains("main", Values(Map(on, "push")["branches"]));
        Assert.Contains(Runs(Map(jobs, "plan")), r => Calls(r, "plan", "--out pemstate.plan", "--detailed-exitcode"));
        var apply = Map(jobs, "apply");
        Assert.Equal("plan", Scalar(apply, "needs"));
        Assert.True(Has(apply, "environment"), "the apply job needs an environment, the approval gate");
        Assert.Contains(Runs(apply), r => Calls(r, "apply pemstate.plan"));
        Assert.DoesNotContain(Runs(apply), r => Calls(r, "plan"));
        Assert.Equal("false", Scalar(Map(workflow, "concurrency"), "cancel-in-progress"));
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
        var jobs = pipeline.Children
            .Where(c => c.Key is YamlScalarNode { Value: var k } && !k!.StartsWith('.') && k is not ("stages" or "variables" or "workflow" or "default" or "include"))
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value);

        // Then every job is complete: a stage that exists, a script, templates and needs that exist
        foreach (var (name, job) in jobs)
        {
            Assert.Contains(Scalar(job, "stage"), stages);
            Assert.NotEmpty(Values(job["script"]));
            if (job.Children.TryGetValue("extends", out var extends)) Assert.True(Has(pipeline, Values(extends).Single()), $"{name} extends a template that is missing");
            if (job.Children.TryGetValue("needs", out var needs)) Assert.All(Values(needs), n => Assert.True(jobs.ContainsKey(n), $"{name} needs unknown job {n}"));
        }
        var template = Map(pipeline, ".pemstate");
        Assert.Contains(Values(template["before_script"]), l => l.Contains("dotnet tool install pemstate", StringComparison.Ordinal) && l.Contains("--add-source", StringComparison.Ordinal));
        Assert.All(jobs.Where(j => Script(j.Value).Any(l => PemstateCall().IsMatch(l))), j => Assert.Equal(".pemstate", Scalar(j.Value, "extends")));

        // and the three uses are there
        var mergeRequest = Single(jobs, "merge_request_event");
        Assert.Contains(Script(mergeRequest), l => Calls(l, "plan", "--markdown", "--detailed-exitcode"));
        Assert.Contains(jobs.Values, j => Script(j).Any(l => l.Contains(PlanMarkdownRenderer.Marker, StringComparison.Ordinal)) && Text(j["rules"]).Contains("merge_request_event", StringComparison.Ordinal));
        var planMain = jobs["plan:main"];
        Assert.Contains(Script(planMain), l => Calls(l, "plan", "--out pemstate.plan", "--detailed-exitcode"));
        var apply = jobs["apply"];
        Assert.Equal("plan:main", Values(apply["needs"]).Single());
        Assert.Contains(Script(apply), l => Calls(l, "apply pemstate.plan"));
        Assert.True(Has(apply, "environment") && Has(apply, "resource_group"));
        var nightly = jobs["check:nightly"];
        Assert.Contains("schedule", Text(nightly["rules"]), StringComparison.Ordinal);
        Assert.Contains(Script(nightly), l => Calls(l, "plan", "--detailed-exitcode"));
        Assert.Contains(Script(nightly), l => Calls(l, "verify"));
        Assert.Contains("on_failure", Text(jobs["issue:nightly"]["rules"]), StringComparison.Ordinal);
    }

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
    [GeneratedRegex(@"(^\s*|[;&|]\s*)pemstate (plan|apply|verify|validate|status)\b", RegexOptions.Multiline)]
    private static partial Regex PemstateCall();
}
