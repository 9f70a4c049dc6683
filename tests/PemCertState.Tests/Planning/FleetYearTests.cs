using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 6: a fleet walked through two years with a fixed clock, a nightly-style apply every week. Each certificate is
/// renewed by the first apply inside its renew_before window and never outside it, and agents issued together (with
/// agents.spread) expire on different days.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FleetYearTests
{
    [Fact]
    public async Task Walking_a_fleet_through_two_years_renews_each_certificate_exactly_inside_its_window_and_spreads_the_agents()
    {
        // Given a lab of five agents, agent certificates valid 365 days, renewed 30 days before, spread over 20 days
        using var lab = Lab.Create(agents: 5);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("agents:\n  user: per-agent\n", "agents:\n  user: per-agent\n  spread: 20d\n", StringComparison.Ordinal));
        await lab.ApplyAsync(Lab.Today);
        var first = (await lab.ObserveAsync()).Agents.Values.Select(a => a.Certificate.Summary!).ToList();

        // Then the agents issued together expire on different days, none later than the full validity nor earlier than spread allows
        Assert.True(first.Select(s => s.NotAfter.Date).Distinct().Count() > 1, string.Join(", ", first.Select(s => s.NotAfter)));
        Assert.All(first, s => Assert.InRange((s.NotAfter - s.NotBefore).TotalDays, 345, 366));

        // When a weekly apply runs for two years
        var renewals = 0;
        // Nothing touches the lab between two weeks: what the last week's apply left is what this week's starts from.
        var before = (await lab.ObserveAsync()).Agents.ToDictionary(a => a.Key, a => a.Value.Certificate.Summary!);
        var after = before;
        for (var day = 7; day <= 730; day += 7, before = after)
        {
            var now = Lab.Today.AddDays(day);
            await lab.ApplyAsync(now);
            var observed = await lab.ObserveAsync();
            after = observed.Agents.ToDictionary(a => a.Key, a => a.Value.Certificate.Summary!);

            // Then an agent's certificate changed exactly when it was inside its window (or expired) before this apply
            foreach (var (id, old) in before)
            {
                var due = old.NotAfter - now <= TimeSpan.FromDays(30);
                var renewed = old.Serial != after[id].Serial;
                Assert.True(due == renewed, $"day {day}, agent {id}: not-after {old.NotAfter:yyyy-MM-dd}, due {due}, renewed {renewed}");
                if (renewed)
                {
                    renewals++;
                    // and the new one reaches well past the window again
                    Assert.True(after[id].NotAfter - now > TimeSpan.FromDays(30), $"day {day}, agent {id}: renewed to {after[id].NotAfter}");
                }
            }
            // and the fleet never runs on an expired certificate
            Assert.All(after.Values, s => Assert.True(s.NotAfter > now, $"day {day}: {s.Subject} expired on {s.NotAfter}"));
            Assert.True(PemCertState.Planning.Planner.Create(lab.Desired, observed, now).IsEmpty, $"day {day}: a second apply would change something");
        }
        // each agent was renewed once a year: twice in two years
        Assert.Equal(10, renewals);
    }

    [Fact]
    public void A_spread_that_would_leave_a_renewed_certificate_inside_its_window_is_an_error_at_its_value()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("agents:\n  user: per-agent\n", "agents:\n  user: per-agent\n  spread: 340d\n", StringComparison.Ordinal));

        // When
        var result = PemCertState.Inventory.InventoryLoader.Load(lab.InventoryPath);

        // Then
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Diagnostics);
        Assert.Contains("agents.spread 340d must be shorter than agent 1's validity 365d minus renew_before 30d", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(":", error.ToString(), StringComparison.Ordinal);
    }
}
