using PemCertState.Hosts;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16's attacks 2 and 3: the account that owns an agent's folder races pemstate's atomic writes, on the local
/// host and over SSH (root login and sudo), swapping pemstate's private temp folder for one of its own that holds links
/// to a root-only file. The victim keeps its bytes, mode and owner; every write that reports success left exactly the
/// bytes, mode and owner asked for, as a regular file; the attacker never gets a name into pemstate's folder.
/// </summary>
[Trait("Category", "Attack")]
public sealed class SshTempFileRaceTests(SshAttackFixture fixture, ITestOutputHelper output) : IClassFixture<SshAttackFixture>
{
    private const int Iterations = 200;

    [Theory]
    [InlineData("local")]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task Swapping_the_temp_folder_during_writes_never_reaches_the_victim(string login)
    {
        // Given an agent folder whose owner swaps every pemstate temp folder it sees for its own, full of links to root's secret
        using var scene = new AttackScene(fixture.Attacker);
        var before = AttackScene.Fingerprint(scene.Victim);
        var victimBytes = File.ReadAllBytes(scene.Victim);
        var key = Path.Combine(scene.Agent, "agent1.key");
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1700);
        await using IHost host = login == "local" ? new LocalHost("pem", "/") : fixture.Connect(login);
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
                // Then what landed is exactly what was written: a regular file with the bytes, mode and owner asked for
                var landed = new FileInfo(key);
                Assert.Null(landed.LinkTarget);
                Assert.Equal(content, File.ReadAllBytes(key));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, landed.UnixFileMode);
            }
            catch (HostOperationException e) when (e.Message.Contains("replaced by another account", StringComparison.Ordinal))
            {
                replaced++;
            }
            catch (HostOperationException e)
            {
                refused.Add(e.Message);
            }
            Assert.Equal(victimBytes, File.ReadAllBytes(scene.Victim));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(scene.Victim));
        }

        // Then the victim never changed, and the attacker never got a name into pemstate's folder
        await Task.Delay(500); // the attacker's last lines
        output.WriteLine($"{login}: {Iterations} writes, {written} in place, {replaced} refused as swapped; attacker: {attacker.Swapped} swaps, {attacker.Late} too late, {attacker.Planted} planted");
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.True(refused.Count == 0, string.Join("\n", refused.Distinct()));
        Assert.Equal(Iterations, written + replaced);
        Assert.DoesNotContain(attacker.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
        Assert.True(attacker.Swapped + attacker.Late > 0, "the attacker never saw a temp folder: the race was not run");
        Assert.Equal(0, attacker.Planted);
    }
}
