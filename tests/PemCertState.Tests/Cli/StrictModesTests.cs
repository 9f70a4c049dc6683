using System.Diagnostics;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// OpenSSH's StrictModes for the folders above the keys: a folder that an account other than root and the key's owner
/// can change is a warning on every plan, and apply refuses to write a private key below it, unless the inventory says
/// that account may hold it (hosts.NAME.trusted_accounts). A world-writable folder is never accepted.
/// </summary>
[Trait("Category", "Attack")]
public sealed class StrictModesTests
{
    [Fact]
    public void A_key_below_a_folder_another_account_owns_is_warned_about_and_apply_refuses_to_write_it()
    {
        // Given agent 1's cert_dir sits in a folder that belongs to another account (nobody)
        using var lab = Lab.Create(agents: 2);
        var home = Path.Combine(lab.Root, "agents", "1");
        Directory.CreateDirectory(home);
        Run("chown", "nobody", home);

        // When it is planned and applied
        var plan = Pemstate.Run(lab.Root, "plan");
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then the plan warns, naming the folder, its owner and the setting; apply refuses and writes nothing at all
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains($"Warning: pem: agent[1].certificate's private key {Path.Combine(home, ".pem", "agent1.key")}", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{home} (owner nobody, 0755)", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("hosts.pem.trusted_accounts", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("Apply will refuse: agent[1].certificate on pem: will not install", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("apply refused", apply.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.DataDir) && Directory.EnumerateFileSystemEntries(lab.DataDir).Any(), "apply wrote into the data dir");
        Assert.False(Directory.Exists(Path.Combine(home, ".pem")));
        Assert.False(File.Exists(lab.CertDir(2) + "/agent2.key"));
    }

    [Fact]
    public void An_account_the_inventory_trusts_may_hold_the_key_and_the_apply_goes_ahead()
    {
        using var lab = Lab.Create(agents: 1);
        var home = Path.Combine(lab.Root, "agents", "1");
        Directory.CreateDirectory(home);
        Run("chown", "nobody", home);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("pem: { transport: local }", "pem: { transport: local, trusted_accounts: [nobody] }", StringComparison.Ordinal));

        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.DoesNotContain("Warning: pem: agent[1]", apply.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(lab.CertDir(1), "agent1.key")));
    }

    [Fact]
    public void A_world_writable_folder_is_never_accepted_not_even_for_a_trusted_account()
    {
        using var lab = Lab.Create(agents: 1);
        var home = Path.Combine(lab.Root, "agents", "1");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)Convert.ToInt32("777", 8));
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("pem: { transport: local }", "pem: { transport: local, trusted_accounts: [nobody] }", StringComparison.Ordinal));

        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("anyone", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("world-writable", apply.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(home, ".pem")));
    }

    [Fact]
    public void A_sticky_world_writable_folder_owned_by_root_is_fine_as_tmp_is()
    {
        // The labs themselves live below /tmp (root's, 1777): nothing to warn about there.
        using var lab = Lab.Create(agents: 1);

        var plan = Pemstate.Run(lab.Root, "plan");

        Assert.Equal(0, plan.ExitCode);
        Assert.DoesNotContain("Warning:", plan.Stdout, StringComparison.Ordinal);
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file}: {process.StandardError.ReadToEnd()}");
    }
}
