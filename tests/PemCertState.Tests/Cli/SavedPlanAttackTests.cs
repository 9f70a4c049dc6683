using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// Issue 16, attack 6 and item 8: a saved plan is a file anyone who can write it may edit (a CI artifact, a shared
/// folder), and pemstate applies it as root. Each test edits a saved plan the way an attacker would and runs the real
/// `pemstate apply PLAN` on a lab folder of the local host: the edit is refused, names the step, and changes nothing.
/// </summary>
[Trait("Category", "Attack")]
public sealed class SavedPlanAttackTests : IDisposable
{
    private readonly Lab _lab = Lab.Create(agents: 1);

    /// <summary>Outside the lab: where an attacker would point pemstate (a marker a command would create, a victim file).</summary>
    private readonly string _outside = Directory.CreateTempSubdirectory("pemstate-victim-").FullName;

    private string Marker => Path.Combine(_outside, "marker");
    private string Victim => Path.Combine(_outside, "victim");
    private string SavedPlan => Path.Combine(_lab.Root, "change.plan");

    public SavedPlanAttackTests() => File.WriteAllText(Victim, "root-owned file nobody may change\n");

    [Fact]
    public void A_restart_command_edited_in_a_saved_plan_is_refused_and_never_runs()
    {
        // Given a saved plan whose server restart now runs the attacker's command
        SavePlan();
        Edit(steps => Step(steps, "restart[server]", "restart")["command"] = $"touch {Marker}");
        var before = _lab.Fingerprint();

        // When
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then refused, naming the step and its command, and nothing ran or changed
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("does not hold the steps a fresh plan takes; nothing was changed", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"restart[server] (restart) on pem: command: the plan file has \"touch {Marker}\", a fresh plan has \"echo server >> restarts.log\"",
            apply.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
        Assert.Equal(before, _lab.Fingerprint());
    }

    [Fact]
    public void A_path_edited_to_a_file_outside_the_lab_is_refused_and_the_victim_is_unchanged()
    {
        // Given a saved plan whose agent install writes its certificate over the victim
        SavePlan();
        Edit(steps => Step(steps, "agent[1].certificate", "install")["paths"]![1] = Victim);
        var victim = Sha256(Victim);
        var before = _lab.Fingerprint();

        // When
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("agent[1].certificate (install) on pem: paths: the plan file has", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains(Victim, apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(victim, Sha256(Victim));
        Assert.Equal(before, _lab.Fingerprint());
    }

    [Fact]
    public void A_step_added_to_a_saved_plan_is_refused_and_never_runs()
    {
        // Given a saved plan with one more restart, of the attacker's making, after the server's
        SavePlan();
        Edit(steps =>
        {
            var extra = (JsonObject)Step(steps, "restart[server]", "restart").DeepClone();
            extra["address"] = "restart[agent 9]";
            extra["command"] = $"touch {Marker}";
            steps.Add(extra);
        });
        var before = _lab.Fingerprint();

        // When
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("step 16, restart[agent 9] (restart) on pem: in the plan file, not in a fresh plan", apply.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
        Assert.Equal(before, _lab.Fingerprint());
    }

    [Fact]
    public void A_step_taken_out_of_a_saved_plan_is_refused()
    {
        // Given a saved plan without its agent restart (the promise no longer says what apply would do)
        SavePlan();
        Edit(steps => steps.Remove(Step(steps, "restart[agent 1]", "restart")));
        var before = _lab.Fingerprint();

        // When
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("restart[agent 1] (restart) on pem: in a fresh plan, missing from the plan file", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _lab.Fingerprint());
    }

    [Fact]
    public void An_untouched_copy_of_the_same_plan_still_applies_and_runs_the_inventorys_commands()
    {
        // Given a saved plan, and a tampered copy of it that was refused
        SavePlan();
        var tampered = Path.Combine(_lab.Root, "tampered.plan");
        File.Copy(SavedPlan, tampered);
        var json = JsonNode.Parse(File.ReadAllText(tampered))!;
        Step(json["steps"]!.AsArray(), "restart[agent 1]", "restart")["command"] = $"touch {Marker}";
        File.WriteAllText(tampered, json.ToJsonString());
        Assert.Equal(1, Pemstate.Run(_lab.Root, "apply", "tampered.plan").ExitCode);

        // When the untouched plan is applied
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then it applies its 15 steps, with the restarts the inventory names, and the hosts are converged
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("Apply complete: 15 steps", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal(["agent", "server"], File.ReadAllLines(_lab.RestartLog));
        Assert.False(File.Exists(Marker));
        Assert.Equal(0, Pemstate.Run(_lab.Root, "plan", "--detailed-exitcode").ExitCode);
    }

    [Fact]
    public void A_saved_plan_is_created_0600_even_over_a_0644_file()
    {
        // Given an earlier plan file left readable by everyone
        File.WriteAllText(SavedPlan, "{}");
        File.SetUnixFileMode(SavedPlan, (UnixFileMode)Convert.ToInt32("644", 8));

        // When
        SavePlan();

        // Then the plan replaced it, readable and writable by its owner only, and no temp file is left
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SavedPlan));
        Assert.Contains("\"observed\"", File.ReadAllText(SavedPlan), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_lab.Root, ".change.plan.*"));
    }

    [Fact]
    public void A_symlink_at_out_is_refused_never_followed()
    {
        // Given change.plan is a link to a file pemstate must not write
        File.CreateSymbolicLink(SavedPlan, Victim);
        var victim = Sha256(Victim);
        var mode = File.GetUnixFileMode(Victim);

        // When
        var plan = Pemstate.Run(_lab.Root, "plan", "--out", "change.plan");

        // Then it is refused as status --out and report --out refuse one (whoever planted it meant the write for somewhere
        // else): the victim keeps its bytes and mode, the link stays, and no temp file is left
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains($"pemstate: cannot save the plan to change.plan: {SavedPlan} is a symbolic link; give the real file", plan.Stderr, StringComparison.Ordinal);
        Assert.Equal(victim, Sha256(Victim));
        Assert.Equal(mode, File.GetUnixFileMode(Victim));
        Assert.Equal(Victim, new FileInfo(SavedPlan).LinkTarget);
        Assert.Empty(Directory.EnumerateFiles(_lab.Root, ".change.plan.*"));
    }

    [Fact]
    public async Task No_rendered_plan_carries_a_hash_of_a_private_key_file()
    {
        // Given a converged lab (every key on disk) whose server subject changed and whose agent key is left 0644
        await _lab.ApplyAsync();
        File.WriteAllText(_lab.InventoryPath, File.ReadAllText(_lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        File.SetUnixFileMode(Path.Combine(_lab.CertDir(1), "agent1.key"), (UnixFileMode)Convert.ToInt32("644", 8));
        var keys = Directory.EnumerateFiles(_lab.Root, "*.key", SearchOption.AllDirectories).ToList();
        Assert.Equal(3, keys.Count);

        // When the plan is rendered every way there is
        var text = Pemstate.Run(_lab.Root, "plan");
        var json = Pemstate.Run(_lab.Root, "plan", "--json");
        var markdown = Pemstate.Run(_lab.Root, "plan", "--markdown");
        var saved = Pemstate.Run(_lab.Root, "plan", "--out", "change.plan");

        // Then no key file's hash appears in any form, and the saved plan names each key by its public key instead
        var rendered = string.Join("\n", text.Stdout, json.Stdout, markdown.Stdout, saved.Stdout, saved.Stderr, File.ReadAllText(SavedPlan));
        foreach (var key in keys)
        {
            var hash = SHA256.HashData(File.ReadAllBytes(key));
            foreach (var form in new[] { Convert.ToHexStringLower(hash), Convert.ToHexString(hash), string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))) })
                Assert.DoesNotContain(form, rendered, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"public_key_sha256={PublicKeySha256(key)}", File.ReadAllText(SavedPlan), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_saved_plan_still_goes_stale_when_a_key_file_is_replaced()
    {
        // Given a converged lab, a saved plan that renews the server certificate, then agent 1's key replaced by another
        await _lab.ApplyAsync();
        File.WriteAllText(_lab.InventoryPath, File.ReadAllText(_lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        SavePlan();
        var key = Path.Combine(_lab.CertDir(1), "agent1.key");
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256)) File.WriteAllText(key, other.ExportPkcs8PrivateKeyPem());
        var before = _lab.Fingerprint();

        // When
        var apply = Pemstate.Run(_lab.Root, "apply", "change.plan");

        // Then refused as stale, naming the key by its public key, and nothing changed
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"pem:{key}: was public_key_sha256=", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _lab.Fingerprint());
    }

    private void SavePlan()
    {
        var plan = Pemstate.Run(_lab.Root, "plan", "--out", "change.plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
    }

    /// <summary>Edits the saved plan's steps as JSON and writes it back, as an attacker with write access would.</summary>
    private void Edit(Action<JsonArray> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(SavedPlan))!;
        edit(json["steps"]!.AsArray());
        File.WriteAllText(SavedPlan, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject Step(JsonArray steps, string address, string action) =>
        steps.Select(s => s!.AsObject()).Single(s => s["address"]!.GetValue<string>() == address && s["action"]!.GetValue<string>() == action);

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The SubjectPublicKeyInfo's SHA-256, computed here independently of pemstate.</summary>
    /// <summary>The public key's SHA-256, worked out by the test itself for an EC key or an RSA one (the CA's is RSA).</summary>
    private static string PublicKeySha256(string keyFile)
    {
        var pem = File.ReadAllText(keyFile);
        using AsymmetricAlgorithm key = TryImport(ECDsa.Create(), pem) ?? TryImport(RSA.Create(), pem)
            ?? throw new InvalidOperationException($"{keyFile} is neither an EC nor an RSA key");
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    private static AsymmetricAlgorithm? TryImport(AsymmetricAlgorithm key, string pem)
    {
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }

    public void Dispose()
    {
        _lab.Dispose();
        Directory.Delete(_outside, recursive: true);
    }
}
