using PemCertState.Hosts;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16's attack 3 over SSH: the account that owns an agent's folder races pemstate's atomic writes, swapping each
/// temp file for a link to a root-only file. Whatever the race's outcome, the victim keeps its bytes, mode and owner.
/// </summary>
[Trait("Category", "Attack")]
public sealed class SshTempFileRaceTests(SshAttackFixture fixture, ITestOutputHelper output) : IClassFixture<SshAttackFixture>
{
    private const int Iterations = 200;

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task Swapping_the_temp_file_for_a_link_during_writes_never_reaches_the_victim(string login)
    {
        // Given an agent folder whose owner swaps every pemstate temp file it sees for a link to root's secret
        using var scene = new AttackScene(fixture.Attacker);
        var before = AttackScene.Fingerprint(scene.Victim);
        var victimBytes = File.ReadAllBytes(scene.Victim);
        var key = Path.Combine(scene.Agent, "agent1.key");
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1700);
        await using var host = fixture.Connect(login);
        using var attacker = new TempFileSwapper(fixture.Attacker, scene.Agent, scene.Victim);
        await attacker.ReadyAsync();

        // When pemstate writes the agent's key, owned by that account, 200 times
        var (written, replaced, refused) = (0, 0, new List<string>());
        for (var i = 0; i < Iterations; i++)
        {
            try
            {
                await host.WriteAtomicAsync(key, content, UnixFileMode.UserRead | UnixFileMode.UserWrite, fixture.Attacker.Name, default);
                written++;
            }
            catch (HostOperationException e) when (e.Message.Contains("was replaced by another account", StringComparison.Ordinal))
            {
                replaced++;
            }
            catch (HostOperationException e)
            {
                refused.Add(e.Message);
            }
            // A swap that won put the attacker's link where the key goes; the next write would refuse it (as it should),
            // so it is taken away for the race to go on.
            if (new FileInfo(key).LinkTarget is not null) File.Delete(key);
            Assert.Equal(victimBytes, File.ReadAllBytes(scene.Victim));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(scene.Victim));
        }

        // Then the victim never changed, and every write either landed or said that its file had been swapped
        await Task.Delay(500); // the attacker's last lines
        output.WriteLine($"{login}: {Iterations} writes, {written} in place, {replaced} reported swapped; attacker: {attacker.Swapped} swaps, {attacker.Late} too late");
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.Empty(refused);
        Assert.Equal(Iterations, written + replaced);
        Assert.DoesNotContain(attacker.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
        Assert.True(attacker.Swapped + attacker.Late > 0, "the attacker never saw a temp file: the race was not run");
        // Every write the attacker won is one pemstate reported, never one it believed
        Assert.Equal(attacker.Swapped, replaced);
    }
}
