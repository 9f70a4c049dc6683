using System.Globalization;

namespace PemCertState.Benchmarks;

/// <summary>Command-line options of the harness. Unknown options are errors.</summary>
internal sealed class Options
{
    public static readonly string[] AllScenarios = ["keygen", "plan", "noop-apply", "fresh-apply", "startup", "ssh", "ssh-fleet"];

    public List<string> Scenarios { get; } = [];
    public List<int> Agents { get; private set; } = [100, 1000];
    public int Runs { get; private set; } = 5;
    public int Warmup { get; private set; } = 1;
    public string Out { get; private set; } = "bench-results/results.json";
    /// <summary>Key of every certificate in the plan / no-op labs.</summary>
    public string Key { get; private set; } = "p256";
    /// <summary>Keys for fresh-apply, one scenario row each.</summary>
    public List<string> FreshKeys { get; private set; } = ["p256", "rsa2048", "rsa4096"];
    /// <summary>Agents for fresh-apply with p256/rsa2048 (rsa4096 uses <see cref="FreshRsa4096Agents"/>).</summary>
    public List<int> FreshAgents { get; private set; } = [100];
    public List<int> FreshRsa4096Agents { get; private set; } = [20];
    public int KeygenRuns { get; private set; } = 9;
    /// <summary>The ssh scenario: sshd processes on loopback, and agents spread over them.</summary>
    public int SshHosts { get; private set; } = 10;
    public List<int> SshAgents { get; private set; } = [100];
    /// <summary>The ssh-fleet scenario: fleets of N sshd hosts with one agent each, one row group per N.</summary>
    public List<int> FleetHosts { get; private set; } = [20, 50];
    public string FleetKey { get; private set; } = "rsa2048";
    /// <summary>pemstate's --parallelism in ssh-fleet, and the OpenSSH fan-out's width beside it.</summary>
    public int Parallelism { get; private set; } = 10;
    public int BouncyCastle4096Runs { get; private set; } = 3;
    public string? Pemstate { get; private set; }
    /// <summary>Run the plain (JIT) Release build instead of publishing a ReadyToRun pemstate first.</summary>
    public bool Jit { get; private set; }

    /// <summary>Measure pemstate as the README installs it: packed, installed as a .NET tool, run through its command.</summary>
    public bool Installed { get; private set; }
    public bool Keep { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--agents": o.Agents = Ints(Next()); break;
                case "--runs": o.Runs = Positive(Next(), a); break;
                case "--warmup": o.Warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": o.Out = Next(); break;
                case "--key": o.Key = KeyName(Next()); break;
                case "--fresh-keys": o.FreshKeys = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(KeyName).ToList(); break;
                case "--fresh-agents": o.FreshAgents = Ints(Next()); break;
                case "--rsa4096-agents": o.FreshRsa4096Agents = Ints(Next()); break;
                case "--ssh-hosts": o.SshHosts = Positive(Next(), a); break;
                case "--ssh-agents": o.SshAgents = Ints(Next()); break;
                case "--fleet-hosts": o.FleetHosts = Ints(Next()); break;
                case "--fleet-key": o.FleetKey = KeyName(Next()); break;
                case "--parallelism": o.Parallelism = Positive(Next(), a); break;
                case "--keygen-runs": o.KeygenRuns = Positive(Next(), a); break;
                case "--bc-runs": o.BouncyCastle4096Runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pemstate": o.Pemstate = Path.GetFullPath(Next()); break;
                case "--jit": o.Jit = true; break;
                case "--installed": o.Installed = true; break;
                case "--keep": o.Keep = true; break;
                case "-h" or "--help": throw new HelpException();
                default:
                    if (a.StartsWith('-') || !AllScenarios.Contains(a)) throw new ArgumentException($"unknown argument '{a}'");
                    o.Scenarios.Add(a);
                    break;
            }
        }
        if (o.Scenarios.Count == 0) o.Scenarios.AddRange(AllScenarios);
        return o;
    }

    public const string Usage = """
        usage: PemCertState.Benchmarks [keygen] [plan] [noop-apply] [fresh-apply] [startup] [ssh] [ssh-fleet]   (default: all)
          --agents 100,1000        fleet sizes for plan and noop-apply
          --runs 5                 measured runs per figure (median/min/max); a warm-up run comes first
          --warmup 1               warm-up runs before the measured ones
          --out FILE               JSON rows (default bench-results/results.json)
          --key p256               key of every certificate in the plan/no-op labs: rsa2048|rsa4096|p256
          --fresh-keys p256,rsa2048,rsa4096   keys for fresh-apply
          --fresh-agents 100       agents for fresh-apply with p256/rsa2048
          --rsa4096-agents 20      agents for fresh-apply with rsa4096
          --ssh-hosts 10           ssh: sshd processes on loopback (needs openssh-server, run as root)
          --ssh-agents 100         ssh: agents spread over those hosts, in turn
          --fleet-hosts 20,50      ssh-fleet: N sshd hosts with one agent each (one fleet per N), fresh and no-op apply,
                                   beside OpenSSH's `ssh HOST true` on every host and sshd's own count of sessions
          --fleet-key rsa2048      ssh-fleet: key of every certificate, the CA's included
          --parallelism 10         ssh-fleet: pemstate apply --parallelism, and how many `ssh HOST true` run at once
          --keygen-runs 9          runs of each key generator in keygen (and of openssl for floors)
          --bc-runs 3              BouncyCastle RSA 4096 runs (slow); 2048 uses --keygen-runs
          --pemstate PATH          pemstate.dll to run as a child (default: publish the CLI with ReadyToRun
                                   into artifacts/pemstate-r2r, as README "Performance" does, and run that)
          --jit                    run the CLI's plain Release build (bin/Release/net10.0) instead
          --installed              pack the CLI as the README does, install it as a .NET tool in a temp tool path, run its command
          --keep                   keep the lab folders
        """;

    private static List<int> Ints(string s) =>
        s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => Positive(x.Replace("_", "", StringComparison.Ordinal), "a count")).ToList();

    private static int Positive(string s, string what) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{what}: '{s}' is not a positive integer");

    private static string KeyName(string s) => s is "p256" or "rsa2048" or "rsa4096" ? s : throw new ArgumentException($"--key: '{s}' is not rsa2048|rsa4096|p256");
}

internal sealed class HelpException : Exception;
