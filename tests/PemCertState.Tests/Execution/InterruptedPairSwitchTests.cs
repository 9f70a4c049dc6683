using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 20, item 4: a key and certificate switch (<see cref="PairSwitch"/>) stopped dead after any of its writes, as a kill
/// -9 there stops it, leaves staged copies (a private key among them) and maybe the config naming them. The next apply must
/// converge: the live names hold a pair that belongs together, the config names them, and no staged copy is left.
/// </summary>
[Trait("Category", "Unit")]
public sealed class InterruptedPairSwitchTests
{
    /// <summary>Two staged copies, the config pointed at them, the two live names, the config back, two deletes: a stop after each but the last.</summary>
    public static TheoryData<string, bool, int> StopPoints()
    {
        var data = new TheoryData<string, bool, int>();
        foreach (var pair in new[] { "server", "agent1", "web" })
            foreach (var fresh in new[] { false, true })
                for (var after = 1; after <= 7; after++) data.Add(pair, fresh, after);
        return data;
    }

    [Theory]
    [MemberData(nameof(StopPoints))]
    public async Task A_switch_stopped_after_any_write_is_converged_by_the_next_apply_with_no_staged_copy_left(string pair, bool fresh, int after)
    {
        // Given a converged lab, and a switch of its server, agent or web pair (its own pair again, or a new one of another CA)
        // stopped right after its write number `after`
        using var lab = pair == "web" ? Planning.WebPlannerTests.WebLab() : Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var (address, key, certificate, config) = Pair(lab, pair);
        var (keyPem, certificatePem) = fresh ? NewPair() : (File.ReadAllText(key), File.ReadAllText(certificate));
        var operations = 0;
        var host = new WatchedHost(new LocalHost("pem", lab.Root), (_, _) => { if (++operations == after) throw new StoppedHere(); });
        await Assert.ThrowsAsync<StoppedHere>(() => PairSwitch.InstallAsync(host, lab.Desired, address, key, certificate, keyPem, certificatePem, null, CancellationToken.None));
        var left = Staged(lab);
        Assert.NotEmpty(left);

        // When the next apply runs
        var (plan, _) = await lab.ApplyAsync();

        // Then it removed each staged copy, last; the config names the live names, which hold a pair that belongs together;
        // no staged copy is left, and nothing more is planned
        foreach (var path in left) Assert.Contains(plan.Steps, s => s.Action == StepAction.RemoveLeftover && s.Paths[0] == path);
        Assert.All(plan.Steps.SkipWhile(s => s.Action != StepAction.RemoveLeftover), s => Assert.Equal(StepAction.RemoveLeftover, s.Action));
        var named = pair switch
        {
            "server" => NamedPairs.InPostgresqlConf(lab.DataDir, config),
            "web" => NamedPairs.InWebConfig(lab.Desired.Web!),
            _ => NamedPairs.InAgentCfg(config),
        };
        Assert.Equal((key, certificate), named);
        Assert.Equal("matches", NamedPairs.Describe(config, named));
        Assert.Empty(Staged(lab));
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task A_staged_name_that_is_a_link_or_has_a_second_hard_link_is_named_in_a_warning_and_left_alone()
    {
        // Given a converged lab whose data_dir holds server.key.next as a symbolic link and server.crt.next with a second hard
        // link, and postgresql.conf.next, a name no switch stages
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        using var elsewhere = new TempFolder();
        var target = Path.Combine(elsewhere.Path, "secret");
        File.WriteAllText(target, "not pemstate's");
        var link = Path.Combine(lab.DataDir, "server.key.next");
        File.CreateSymbolicLink(link, target);
        var hardLinked = Path.Combine(lab.DataDir, "server.crt.next");
        File.WriteAllText(hardLinked, "someone's");
        Assert.Equal(0, Link(hardLinked, Path.Combine(elsewhere.Path, "second")));
        var other = Path.Combine(lab.DataDir, "postgresql.conf.next");
        File.WriteAllText(other, "someone's draft");

        // When it is planned and applied
        var plan = await lab.PlanAsync();
        await lab.ApplyAsync();

        // Then no step removes them; the two staged names are named in a warning with why, the other name is not mentioned,
        // and all three are still there
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.RemoveLeftover);
        var warning = Assert.Single(plan.Warnings, w => w.Contains("server.key.next", StringComparison.Ordinal));
        Assert.Contains("\"server.key.next\" (it is a symbolic link)", warning, StringComparison.Ordinal);
        Assert.Contains("\"server.crt.next\" (it has 2 hard links)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("postgresql.conf.next", StringComparison.Ordinal));
        Assert.True(File.Exists(link) && File.Exists(hardLinked) && File.Exists(other));
        Assert.Equal("not pemstate's", File.ReadAllText(target));
    }

    [Fact]
    public async Task A_staged_copy_a_config_still_names_with_no_step_to_change_it_stays_with_a_warning()
    {
        // Given a lab whose postgresql.conf, in an included file pemstate does not edit, names a staged copy it left, and
        // whose postgresql.conf itself is edited by the plan for another setting
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var key = Path.Combine(lab.DataDir, "server.key");
        File.Copy(key, key + StagedFiles.Suffix);
        File.SetUnixFileMode(key + StagedFiles.Suffix, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var conf = Path.Combine(lab.DataDir, "postgresql.conf");
        File.WriteAllText(conf, File.ReadAllText(conf).Replace("ssl_ca_file = 'root.crt'", "ssl_ca_file = 'elsewhere.crt'", StringComparison.Ordinal) + "include 'ssl.conf'\n");
        File.WriteAllText(Path.Combine(lab.DataDir, "ssl.conf"), $"ssl_key_file = '{key}{StagedFiles.Suffix}'\n");

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then postgresql.conf is edited, but the staged copy is not removed (the server would find no key at its next
        // reload: ssl.conf still names it), and a warning says why
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerSettings && s.Action == StepAction.EditSettings);
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.RemoveLeftover);
        Assert.Contains(plan.Warnings, w => w.Contains($"{key}{StagedFiles.Suffix} is the staged copy of an interrupted key and certificate switch", StringComparison.Ordinal)
            && w.Contains("still names it", StringComparison.Ordinal));
    }

    private sealed class StoppedHere : Exception;

    private static (ResourceAddress Address, string Key, string Certificate, string Config) Pair(Lab lab, string pair) => pair switch
    {
        "server" => (Addresses.ServerCertificate, Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.DataDir, "postgresql.conf")),
        "web" => (Addresses.WebCertificate, lab.Desired.Web!.KeyFile, lab.Desired.Web!.CertificateFile, lab.Desired.Web!.Config),
        _ => (Addresses.AgentCertificate(1), Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt"), lab.AgentConfig(1)),
    };

    private static List<string> Staged(Lab lab) => [.. Directory.EnumerateFiles(lab.Root, "*" + StagedFiles.Suffix, SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static (string Key, string Certificate) NewPair()
    {
        var ca = CertificateAuthority.CreateSelfSigned("/CN=other-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Lab.Today, TimeSpan.FromDays(30));
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var certificate = ca.Issue("/CN=other", key.Public, LeafUsage.Client, Lab.Today, TimeSpan.FromDays(30));
        return (PemCodec.EncodePrivateKey(key.Private), PemCodec.EncodeCertificate(certificate));
    }

    private static int Link(string target, string path)
    {
        using var process = System.Diagnostics.Process.Start("ln", [target, path]);
        process.WaitForExit();
        return process.ExitCode;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pemstate-elsewhere-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
