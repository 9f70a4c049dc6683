using System.Text.Json;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.State;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Journal.Read reads 100,000-line journals in one pass without an object per line; here it must give what the
/// straightforward reading (every line deserialised, then queried) gives, on interrupted, failed, torn and
/// finished journals, and read escaped text the way JSON means it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class JournalReadTests
{
    [Fact]
    public void An_interrupted_apply_owes_the_restarts_of_what_it_changed_and_names_the_step_it_was_in()
    {
        var text = string.Join("\n",
            Header(["restart[agent 1]", "restart[agent 2]", "restart[agent 3]", "restart[web]", "restart[server]"]),
            Step("started", 1, "agent[1].certificate", "install"), Step("completed", 1, "agent[1].certificate", "install"),
            Step("started", 2, "restart[agent 1]", "restart"), Step("completed", 2, "restart[agent 1]", "restart"),
            Step("started", 3, "agent[2].settings", "edit_settings"), Step("completed", 3, "agent[2].settings", "edit_settings"),
            Step("started", 4, "agent[3].certificate", "generate_key"), Step("completed", 4, "agent[3].certificate", "generate_key"),
            Step("started", 6, "web.certificate", "install"), Step("completed", 6, "web.certificate", "install"),
            Step("started", 5, "agent[3].certificate", "install"),
            """{"event":"completed","apply":"a1","step":7,"addr""");   // torn by a kill mid-write

        var journal = JournalReader.Read(text)!;

        Assert.False(journal.Finished);
        Assert.Equal([1, 2, 3, 4, 6], journal.Completed);
        Assert.Equal(4, journal.CompletedThrough);
        Assert.Equal(["5 (agent[3].certificate install)"], journal.Unfinished);
        Assert.Equal(["restart[agent 2]", "restart[web]"], journal.PendingRestarts.Texts().Order(StringComparer.Ordinal));
        AssertSame(Reference(text), journal);
    }

    [Fact]
    public void An_interrupted_rollback_names_the_set_it_restores_and_the_set_it_began_and_nothing_that_is_not_a_backup_id()
    {
        var rollback = JsonSerializer.Serialize(new JournalEntry("apply", "a1", Steps: 12, Rollback: "20261127T120000Z", Backup: "20261127T120000Z-1"));
        var forged = JsonSerializer.Serialize(new JournalEntry("apply", "a1", Steps: 12, Rollback: "../../etc", Backup: "20261127T120000Z/.."));

        var journal = JournalReader.Read(string.Join("\n", rollback, Step("completed", 1, "server.certificate", "backup")))!;
        var odd = JournalReader.Read(forged)!;

        Assert.True(journal.InterruptedRollback);
        Assert.Equal("20261127T120000Z", journal.RollbackOf);
        Assert.Equal("20261127T120000Z-1", journal.BackupId);
        Assert.False(odd.InterruptedRollback);
        Assert.Null(odd.BackupId);
    }

    [Fact]
    public void Escaped_text_is_read_as_JSON_means_it()
    {
        // "agent[2].certificate" and "restart[agent 1]" with escapes, as another JSON writer may put them
        var text = string.Join("\n",
            Header(["restart[agent 1]", "restart[agent 2]"]),
            """{"event":"completed","apply":"a1","step":1,"address":"\u0061gent[2].certificate","action":"install","host":"pem"}""",
            """{"event":"completed","apply":"a1","step":2,"address":"restart[\u0061gent 1]","action":"restart","host":"pem"}""",
            """{"event":"started","apply":"a1","step":3,"address":"agent[1].certificate","action":"install","extra":{"nested":[1,2]}}""",
            """{"event":"failed","apply":"a1","error":"disk \"full\""}""");

        var journal = JournalReader.Read(text)!;

        Assert.Equal(["restart[agent 2]"], journal.PendingRestarts.Texts());
        Assert.Equal(["3 (agent[1].certificate install)"], journal.Unfinished);
        Assert.Equal("disk \"full\"", journal.Error);
        AssertSame(Reference(text), journal);
    }

    [Fact]
    public void Reading_stops_at_the_first_line_that_is_not_a_journal_line()
    {
        var text = string.Join("\n",
            Header(["restart[agent 1]"]),
            Step("completed", 1, "agent[1].certificate", "install"),
            """{"event":"started","apply":"a1","step":2,"address":"agent[1].settings","action":"edit_settings","host":7}""",
            Step("completed", 2, "restart[agent 1]", "restart"),
            """{"event":"finished","apply":"a1"}""");

        var journal = JournalReader.Read(text)!;

        Assert.False(journal.Finished);
        Assert.Equal([1], journal.Completed);
        Assert.Equal(["restart[agent 1]"], journal.PendingRestarts.Texts());
        var stepless = JournalReader.Read(string.Join("\n", Header(["restart[agent 1]"]),
            """{"event":"completed","apply":"a1","step":"two"}""", """{"event":"finished","apply":"a1"}"""))!;
        Assert.False(stepless.Finished);
        Assert.Null(JournalReader.Read("""{"event":"started","apply":"a1","step":1}"""));
        Assert.Null(JournalReader.Read(""));
    }

    [Fact]
    public void Random_journals_read_as_the_straightforward_reading_reads_them()
    {
        var random = new Random(20261128);
        string[] actions = ["backup", "generate_key", "issue", "install", "edit_settings", "write_bundle", "write_crl", "restart", "test_config"];
        for (var round = 0; round < 200; round++)
        {
            var agents = random.Next(1, 8);
            var restarts = Enumerable.Range(1, agents).Select(id => Addresses.AgentRestart(id).ToString()).Append("restart[server]").Append("restart[web]").ToList();
            var lines = new List<string> { Header(restarts) };
            var steps = random.Next(0, 40);
            for (var step = 1; step <= steps; step++)
            {
                var action = actions[random.Next(actions.Length)];
                var address = action == "restart" ? restarts[random.Next(restarts.Count)]
                    : random.Next(4) switch
                    {
                        0 => "server.certificate",
                        1 => "web.settings",
                        _ => $"agent[{random.Next(1, agents + 1)}].{(random.Next(2) == 0 ? "certificate" : "settings")}",
                    };
                lines.Add(Step("started", step, address, action));
                if (random.Next(10) > 0) lines.Add(Step("completed", step, address, action));
            }
            switch (random.Next(4))
            {
                case 0: lines.Add("""{"event":"finished","apply":"a1"}"""); break;
                case 1: lines.Add("""{"event":"failed","apply":"a1","error":"boom"}"""); break;
                case 2: lines.Add("""{"event":"compl"""); break;
            }
            var text = string.Join("\n", lines) + (random.Next(2) == 0 ? "\n" : "");

            AssertSame(Reference(text), JournalReader.Read(text)!);
        }
    }

    private static string Header(IReadOnlyList<string> restarts) =>
        JsonSerializer.Serialize(new JournalEntry("apply", "a1", new DateTimeOffset(2026, 11, 28, 4, 0, 0, TimeSpan.Zero), Steps: 40, Restarts: restarts));

    private static string Step(string @event, int step, string address, string action) =>
        JsonSerializer.Serialize(new JournalEntry(@event, "a1", Step: step, Address: address, Action: action, Host: "pem"));

    private static void AssertSame(ObservedJournal expected, ObservedJournal actual)
    {
        Assert.Equal(expected.Apply, actual.Apply);
        Assert.Equal(expected.Started, actual.Started);
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.Finished, actual.Finished);
        Assert.Equal(expected.Completed, actual.Completed);
        Assert.Equal(expected.Unfinished, actual.Unfinished);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(expected.PendingRestarts.Texts().Order(StringComparer.Ordinal), actual.PendingRestarts.Texts().Order(StringComparer.Ordinal));
    }

    /// <summary>The journal reading as it was before the one-pass reader: every line deserialised, then queried.</summary>
    private static ObservedJournal Reference(string text)
    {
        var entries = new List<JournalEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                if (JsonSerializer.Deserialize<JournalEntry>(line) is { } entry) entries.Add(entry);
            }
            catch (JsonException)
            {
                break;
            }
        }
        var header = entries.First(e => e.Event == "apply");
        var completed = entries.Where(e => e.Event == "completed").ToList();
        var done = completed.Select(e => e.Step ?? 0).Where(n => n > 0).Distinct().Order().ToList();
        var unfinished = entries.Where(e => e.Event == "started" && e.Step is { } n && !done.Contains(n))
            .Select(e => $"{e.Step} ({e.Address} {e.Action})").Distinct(StringComparer.Ordinal).ToList();
        var end = entries.LastOrDefault(e => e.Event is "finished" or "failed");
        var ranRestarts = completed.Where(e => e.Action == "restart").Select(e => e.Address!).ToHashSet(StringComparer.Ordinal);
        var changedScopes = completed
            .Where(e => e.Action is not ("backup" or "generate_key" or "issue" or "restart" or "test_config"))
            .Select(e => e.Address!.StartsWith("agent[", StringComparison.Ordinal) ? $"restart[agent {e.Address[6..e.Address.IndexOf(']', StringComparison.Ordinal)]}]"
                : e.Address!.StartsWith("web.", StringComparison.Ordinal) ? "restart[web]"
                : "restart[server]")
            .ToHashSet(StringComparer.Ordinal);
        var pending = (header.Restarts ?? []).Where(r => !ranRestarts.Contains(r) && changedScopes.Contains(r)).Select(ResourceAddress.Parse).ToHashSet();
        return new ObservedJournal(header.Apply, header.Time, header.Steps ?? 0, end?.Event == "finished", done, unfinished, end?.Error, pending);
    }

}
