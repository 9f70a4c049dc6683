using System.Diagnostics;
using System.Globalization;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using PemCertState.Crypto;
using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Benchmarks;

/// <summary>Runs the chosen scenarios, prints the table and the spans, writes the JSON.</summary>
internal static class Harness
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try { options = Options.Parse(args); }
        catch (HelpException) { Console.Out.Write(Options.Usage + "\n"); return 0; }
        catch (ArgumentException e) { Console.Error.Write($"benchmarks: {e.Message}\n{Options.Usage}\n"); return 1; }

        var harness = new Run(options);
        try
        {
            await harness.ExecuteAsync();
        }
        finally
        {
            harness.Dispose();
        }
        return 0;
    }

    /// <summary>Child mode: one plan in a fresh process, spans printed as "name=seconds" lines.</summary>
    public static async Task<int> ColdPlanAsync(string inventory)
    {
        // The load pieces first (cold), as the loader runs them: they are the "load" span. Then the plan as
        // usual: its own load is now warm and counted in the remainder; observe, plan and render are cold.
        var w = Stopwatch.StartNew();
        var parsed = YamlToJson.Convert(File.ReadAllText(inventory));
        var yaml = w.Elapsed.TotalSeconds; w.Restart();
        _ = InventorySchema.Validate(parsed.Root, parsed.Map).ToList();
        var schema = w.Elapsed.TotalSeconds; w.Restart();
        _ = new InventoryRules(parsed.Root, parsed.Map, Path.GetDirectoryName(Path.GetFullPath(inventory))!).Resolve(inventory);
        var rules = w.Elapsed.TotalSeconds;
        var t = await Run.InProcessPlanAsync(Fleet.Open(inventory));
        Console.Out.Write(string.Create(Inv, $"load={yaml + schema + rules:R}\nyaml={yaml:R}\nschema={schema:R}\nrules={rules:R}\nobserve={t[1]:R}\nplan={t[2]:R}\nrender={t[3]:R}\n"));
        return 0;
    }

    private sealed class Run(Options o) : IDisposable
    {
        private readonly List<Row> _rows = [];
        private readonly List<SpanRow> _spans = [];
        private readonly Dictionary<int, Fleet> _converged = [];
        private readonly Dictionary<string, double> _opensslNet = [];
        private const int InterleavedOpensslRuns = 3;
        private double? _opensslSpawn;
        private double? _startup;
        private string _pemstate = "";
        private static readonly int Cores = Environment.ProcessorCount;

        public async Task ExecuteAsync()
        {
            _pemstate = o.Pemstate ?? (o.Installed ? InstallTool() : o.Jit ? FindPemstate() : PublishReadyToRun());
            var load0 = File.ReadAllText("/proc/loadavg").Trim();
            Console.Out.Write($"pemstate: {_pemstate}\ncores: {Cores}; runs: {o.Runs} (+{o.Warmup} warm-up); loadavg at start: {load0}\n" +
                              "figures are medians; this machine is shared, expect noise.\n\n");

            foreach (var scenario in o.Scenarios)
            {
                Console.Out.Write($"== {scenario}\n");
                switch (scenario)
                {
                    case "keygen": Keygen(); break;
                    case "plan": foreach (var n in o.Agents) await PlanAsync(n); break;
                    case "noop-apply": foreach (var n in o.Agents) await NoopApplyAsync(n); break;
                    case "fresh-apply":
                        foreach (var key in o.FreshKeys)
                            foreach (var n in key == "rsa4096" ? o.FreshRsa4096Agents : o.FreshAgents)
                                await FreshApplyAsync(n, key);
                        break;
                    case "startup": Startup(); break;
                    case "ssh": foreach (var n in o.SshAgents) await SshAsync(n); break;
                    case "ssh-fleet":
                        foreach (var n in o.FleetHosts)
                        {
                            // One fleet size that cannot finish (runs failing again and again) costs its own rows, not the others'.
                            try { SshFleetRuns(n); }
                            catch (InvalidOperationException e) { Console.Out.Write($"  N={n}: ssh-fleet gave up: {e.Message}\n"); }
                        }
                        break;
                }
            }

            var load1 = File.ReadAllText("/proc/loadavg").Trim();
            Console.Out.Write($"\nloadavg at end: {load1}\n\n");
            Console.Out.Write(Report.Table(_rows, markdown: false));
            if (_spans.Count > 0)
            {
                Console.Out.Write("\nspans (medians). plan in-process: warm, share of the total; plan cold: share of the child's wall;\n" +
                                  "profile: each piece alone on one thread (CPU cost, not wall), share of the pieces' sum\n");
                foreach (var group in _spans.GroupBy(s => (s.Scenario, s.N)))
                {
                    Console.Out.Write($"  {group.Key.Scenario}, N={group.Key.N}\n");
                    foreach (var s in group)
                        Console.Out.Write(string.Create(Inv, $"    {s.Span,-44} {Report.Format(s.MedianSeconds, "s"),10}  {s.Share,6:P1}\n"));
                }
            }
            var machine = new
            {
                cores = Cores,
                dotnet = Environment.Version.ToString(),
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim(),
                openssl = Child.Run("openssl", ["version"]).Stdout.Trim(),
                loadavg_start = load0,
                loadavg_end = load1,
                runs = o.Runs,
                warmup = o.Warmup,
                command = "PemCertState.Benchmarks " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                when = DateTimeOffset.UtcNow,
            };
            Report.WriteJson(o.Out, _rows, _spans, machine);
            Console.Out.Write($"\nwrote {o.Out}\n");
        }

        // ---------------------------------------------------------------- keygen

        private void Keygen()
        {
            var spawn = OpensslSpawn();
            _rows.Add(Row.From("openssl version (process start)", null, spawn));
            foreach (var key in new[] { "rsa4096", "rsa2048", "p256" })
            {
                var openssl = OpensslGen(key);
                _rows.Add(Row.From($"keygen {key} openssl (process)", null, openssl, baselineName: "openssl start", baseline: spawn.Median,
                    note: "wall time of the openssl process; baseline: `openssl version`"));
                var net = _opensslNet[key];

                var ours = Measure(o.KeygenRuns, 1, () => KeyGenerator.Generate(Spec(key)));
                _rows.Add(Row.From($"keygen {key} KeyGenerator (ours)", null, ours, baselineName: "openssl net", baseline: net,
                    note: "in process, single thread; baseline: openssl median minus openssl process start (p256: OpenSSL via .NET ECDsa in process)"));
                Console.Out.Write($"  {key}: ours {Report.Format(ours.Median, "s")}, openssl {Report.Format(openssl.Median, "s")} (net {Report.Format(net, "s")})\n");

                if (key.StartsWith("rsa", StringComparison.Ordinal))
                {
                    var bits = key == "rsa4096" ? 4096 : 2048;
                    var runs = bits == 4096 ? o.BouncyCastle4096Runs : o.KeygenRuns;
                    if (runs == 0) continue;
                    var generator = new RsaKeyPairGenerator();
                    generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
                    var bc = Measure(runs, bits == 4096 ? 0 : 1, () => generator.GenerateKeyPair());
                    _rows.Add(Row.From($"keygen {key} BouncyCastle RsaKeyPairGenerator", null, bc, baselineName: "openssl net", baseline: net,
                        note: "reference only; not used by pemstate"));
                    Console.Out.Write($"  {key}: BouncyCastle {Report.Format(bc.Median, "s")}\n");
                }
            }
        }

        /// <summary>
        /// OpenSSL's P-256 generation without a process around it: a P-256 key takes less than the noise in
        /// openssl's process start, so "openssl minus its start" is meaningless there. Mean of 500 keys made
        /// by .NET's ECDsa (OpenSSL underneath), median of --keygen-runs batches.
        /// </summary>
        private double PlatformP256()
        {
            const int Batch = 500;
            var s = Measure(o.KeygenRuns, 1, () =>
            {
                for (var i = 0; i < Batch; i++)
                {
                    using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                    _ = ec.ExportParameters(includePrivateParameters: true);
                }
            });
            return s.Median / Batch;
        }

        private static KeySpec Spec(string key) => key switch
        {
            "rsa4096" => KeySpec.Rsa(4096),
            "rsa2048" => KeySpec.Rsa(2048),
            _ => KeySpec.EcdsaP256,
        };

        private Stats OpensslSpawn()
        {
            var s = Measure(o.KeygenRuns, 1, () => Child.RunChecked("openssl", ["version"]));
            _opensslSpawn = s.Median;
            return s;
        }

        /// <summary>openssl's key generation as a process; records the median net of process start for floors.</summary>
        private Stats OpensslGen(string key)
        {
            if (_opensslSpawn is null) OpensslSpawn();
            var args = OpensslGenArgs(key);
            var samples = new List<double>();
            var s = Measure(o.KeygenRuns, 1, () => samples.Add(Child.RunChecked("openssl", args).Seconds));
            _opensslSamples[key] = samples.Skip(1).ToList(); // the warm-up run is not a sample
            _opensslNet[key] = key == "p256" ? PlatformP256() : Math.Max(s.Median - _opensslSpawn!.Value, 1e-6);
            return s;
        }

        private static string[] OpensslGenArgs(string key) => key switch
        {
            "rsa4096" => ["genrsa", "-out", "/dev/null", "4096"],
            "rsa2048" => ["genrsa", "-out", "/dev/null", "2048"],
            _ => ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "/dev/null"],
        };

        /// <summary>Every timed `openssl genrsa` of the run per key (seconds, process start included).</summary>
        private readonly Dictionary<string, List<double>> _opensslSamples = [];

        // ---------------------------------------------------------------- plan

        private async Task<Fleet> ConvergedAsync(int n)
        {
            if (_converged.TryGetValue(n, out var fleet)) return fleet;
            var watch = Stopwatch.StartNew();
            fleet = await Fleet.CreateConvergedAsync(n, o.Key, o.Keep);
            Console.Out.Write($"  converged lab of {n} agents ({o.Key}) in {watch.Elapsed.TotalSeconds:0.0} s: {fleet.Root}\n");
            _converged[n] = fleet;
            return fleet;
        }

        private async Task PlanAsync(int n)
        {
            var fleet = await ConvergedAsync(n);
            string[] spanNames = ["load inventory", "observe", "plan", "render"];
            var samples = spanNames.ToDictionary(s => s, _ => new List<double>());
            var totals = new List<double>();
            for (var i = 0; i < o.Warmup + o.Runs; i++)
            {
                var t = await InProcessPlanAsync(fleet);
                if (i < o.Warmup) continue;
                for (var j = 0; j < spanNames.Length; j++) samples[spanNames[j]].Add(t[j]);
                totals.Add(t.Sum());
            }
            var total = Stats.Of(totals);
            var smallest = o.Agents.Min();
            var linear = n != smallest && _rows.FirstOrDefault(r => r.Scenario == "plan in-process" && r.N == smallest) is { } small
                ? small.Median * n / smallest : (double?)null;
            _rows.Add(Row.From("plan in-process", n, total, baselineName: linear is null ? null : $"linear from N={smallest}", baseline: linear,
                note: "InventoryLoader + Observer + Planner + PlanTextRenderer in this process, JIT warm"));
            foreach (var name in spanNames)
                _spans.Add(new SpanRow("plan in-process", n, name, Stats.Of(samples[name]).Median, Stats.Of(samples[name]).Median / total.Median));
            Console.Out.Write($"  N={n}: in-process plan {Report.Format(total.Median, "s")} (" +
                string.Join(", ", spanNames.Select(s => $"{s} {Report.Format(Stats.Of(samples[s]).Median, "s")}")) + ")\n");

            Profile(fleet, n);
            ColdSpans(fleet, n, spanNames);

            var startup = StartupMedian();
            var rss = new List<double>();
            var child = Measure(o.Runs, o.Warmup, () =>
            {
                var run = Child.RunChecked(PemstateFile, [.. PemstateArgs, "plan", "-f", fleet.InventoryPath], pollRss: true);
                if (!run.Stdout.StartsWith("No changes", StringComparison.Ordinal)) throw new InvalidOperationException("plan on the converged lab is not empty:\n" + run.Stdout);
                rss.Add(run.PeakRssKib / 1024.0);
            });
            _rows.Add(Row.From("plan child process", n, child, baselineName: "pemstate --version", baseline: startup,
                peakRssMib: Stats.Of(rss.TakeLast(o.Runs).ToList()).Median, note: "dotnet pemstate.dll plan -f ...: wall time including process start"));
            Console.Out.Write($"  N={n}: child plan {Report.Format(child.Median, "s")}\n");
        }

        /// <summary>One in-process plan: seconds for load, observe, plan, render.</summary>
        internal static async Task<double[]> InProcessPlanAsync(Fleet fleet)
        {
            var watch = Stopwatch.StartNew();
            var result = InventoryLoader.Load(fleet.InventoryPath);
            if (!result.IsValid) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
            var desired = result.State!;
            var load = watch.Elapsed.TotalSeconds;

            watch.Restart();
            Observation.ObservedState observed;
            await using (var hosts = new Hosts.HostSet(desired))
                observed = await new Observation.Observer(hosts).ObserveAsync(desired, CancellationToken.None);
            var observe = watch.Elapsed.TotalSeconds;

            watch.Restart();
            var plan = Planner.Create(desired, observed, DateTimeOffset.UtcNow);
            var planning = watch.Elapsed.TotalSeconds;

            watch.Restart();
            var text = Rendering.PlanTextRenderer.Render(plan);
            var render = watch.Elapsed.TotalSeconds;
            if (!plan.IsEmpty || text.Length == 0) throw new InvalidOperationException($"plan on the converged lab has {plan.Steps.Count} steps");
            return [load, observe, planning, render];
        }

        /// <summary>
        /// The same spans in a fresh process (this harness started with --cold-plan): what the CLI pays
        /// once per run for JIT, type loading and static initialisation on top of the warm figures.
        /// </summary>
        private void ColdSpans(Fleet fleet, int n, string[] spanNames)
        {
            var self = Path.Combine(AppContext.BaseDirectory, "PemCertState.Benchmarks.dll");
            string[] loadParts = ["  load: YAML -> JSON", "  load: schema validation", "  load: rules + defaults"];
            var samples = spanNames.Concat(loadParts).ToDictionary(s => s, _ => new List<double>());
            var walls = new List<double>();
            for (var i = 0; i < o.Warmup + o.Runs; i++)
            {
                var run = Child.RunChecked("dotnet", [self, "--cold-plan", fleet.InventoryPath]);
                if (i < o.Warmup) continue;
                walls.Add(run.Seconds);
                var values = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => double.Parse(p[1], Inv));
                samples["load inventory"].Add(values["load"]);
                samples["observe"].Add(values["observe"]);
                samples["plan"].Add(values["plan"]);
                samples["render"].Add(values["render"]);
                samples[loadParts[0]].Add(values["yaml"]);
                samples[loadParts[1]].Add(values["schema"]);
                samples[loadParts[2]].Add(values["rules"]);
            }
            var wall = Stats.Of(walls).Median;
            foreach (var name in spanNames)
                _spans.Add(new SpanRow("plan cold (fresh process)", n, name, Stats.Of(samples[name]).Median, Stats.Of(samples[name]).Median / wall));
            foreach (var name in loadParts)
                _spans.Add(new SpanRow("plan cold (fresh process)", n, name, Stats.Of(samples[name]).Median, Stats.Of(samples[name]).Median / wall));
            var inside = spanNames.Sum(s => Stats.Of(samples[s]).Median);
            _spans.Add(new SpanRow("plan cold (fresh process)", n, "runtime start/exit, warm re-load (wall - spans)", wall - inside, (wall - inside) / wall));
            Console.Out.Write($"  N={n}: cold plan in a fresh process: wall {Report.Format(wall, "s")} (" +
                string.Join(", ", spanNames.Select(s => $"{s} {Report.Format(Stats.Of(samples[s]).Median, "s")}")) + ")\n");
        }

        /// <summary>
        /// What load and observe are made of, each piece timed alone on one thread over the whole fleet
        /// (the same calls Observer makes). CPU cost, not wall: Observer runs agents 16 at a time.
        /// </summary>
        private void Profile(Fleet fleet, int n)
        {
            var parts = new Dictionary<string, List<double>>();
            void Add(string name, double seconds) => (parts.TryGetValue(name, out var l) ? l : parts[name] = []).Add(seconds);

            for (var i = 0; i < o.Warmup + Math.Min(o.Runs, 3); i++)
            {
                var keep = i >= o.Warmup;
                var w = Stopwatch.StartNew();
                var yaml = File.ReadAllText(fleet.InventoryPath);
                var parsed = YamlToJson.Convert(yaml);
                var tYaml = w.Elapsed.TotalSeconds; w.Restart();
                var schemaErrors = InventorySchema.Validate(parsed.Root, parsed.Map).ToList();
                var tSchema = w.Elapsed.TotalSeconds; w.Restart();
                var rules = new InventoryRules(parsed.Root, parsed.Map, Path.GetDirectoryName(fleet.InventoryPath)!);
                var desired = rules.Resolve(fleet.InventoryPath);
                var tRules = w.Elapsed.TotalSeconds; w.Restart();
                if (schemaErrors.Count > 0 || rules.Errors.Count > 0) throw new InvalidOperationException("inventory errors in profile");

                var host = new Hosts.LocalHost("pem", fleet.Root);
                var files = new List<Facts.FileSnapshot>(3 * n);
                foreach (var agent in desired.Agents.List)
                {
                    files.Add(host.ReadAsync(PemFiles.AgentKey(desired.Agents, agent), CancellationToken.None).GetAwaiter().GetResult());
                    files.Add(host.ReadAsync(PemFiles.AgentCertificate(desired.Agents, agent), CancellationToken.None).GetAwaiter().GetResult());
                    files.Add(host.ReadAsync(agent.Config, CancellationToken.None).GetAwaiter().GetResult());
                }
                var tRead = w.Elapsed.TotalSeconds; w.Restart();
                foreach (var f in files) _ = Observation.FileFacts.From(f);
                var tSha = w.Elapsed.TotalSeconds; w.Restart();
                var keys = new List<AsymmetricCipherKeyPair>(n);
                for (var k = 0; k < files.Count; k += 3) keys.Add(PemCodec.DecodePrivateKey(files[k].Content)!);
                var tKey = w.Elapsed.TotalSeconds; w.Restart();
                foreach (var pair in keys) { _ = Fingerprints.PublicKey(pair.Public); _ = KeyGenerator.Describe(pair.Public); }
                var tKeyFp = w.Elapsed.TotalSeconds; w.Restart();
                var certs = new List<Org.BouncyCastle.X509.X509Certificate>(n);
                for (var k = 1; k < files.Count; k += 3) certs.Add(PemCodec.DecodeCertificates(files[k].Content)[0]);
                var tCert = w.Elapsed.TotalSeconds; w.Restart();
                foreach (var c in certs) _ = CertificateSummary.From(c);
                var tSummary = w.Elapsed.TotalSeconds; w.Restart();
                for (var k = 2; k < files.Count; k += 3)
                    _ = Configuration.AgentCfg.Read(System.Text.Encoding.UTF8.GetString(files[k].Content), Observation.Observer.AgentSettingNames);
                var tCfg = w.Elapsed.TotalSeconds; w.Restart();

                // Pieces of the above and of the planner, and what the platform (OpenSSL) takes for the same job.
                foreach (var pair in keys) _ = KeyPairs.PublicOf(pair.Private);
                var tDerive = w.Elapsed.TotalSeconds;
                var ca = PemCodec.DecodeCertificates(File.ReadAllBytes(PemFiles.InDataDir(desired.Server, PemFiles.CaCertificate)))[0];
                w.Restart();
                foreach (var c in certs) c.Verify(ca.GetPublicKey());
                var tVerify = w.Elapsed.TotalSeconds;
                double? tPlatformKey = null, tPlatformVerify = null;
                if (o.Key == "p256")
                {
                    w.Restart();
                    for (var k = 0; k < files.Count; k += 3)
                    {
                        using var ec = System.Security.Cryptography.ECDsa.Create();
                        ec.ImportFromPem(System.Text.Encoding.ASCII.GetString(files[k].Content));
                        _ = ec.ExportSubjectPublicKeyInfo();
                    }
                    tPlatformKey = w.Elapsed.TotalSeconds;
                    using var caKey = System.Security.Cryptography.ECDsa.Create();
                    caKey.ImportSubjectPublicKeyInfo(ca.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded(), out _);
                    w.Restart();
                    foreach (var c in certs)
                        if (!caKey.VerifyData(c.GetTbsCertificate(), c.GetSignature(), System.Security.Cryptography.HashAlgorithmName.SHA256,
                                System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence))
                            throw new InvalidOperationException("platform verify failed");
                    tPlatformVerify = w.Elapsed.TotalSeconds;
                }

                if (!keep) continue;
                Add("load: read + YAML -> JSON (YamlToJson)", tYaml);
                Add("load: schema validation (JsonSchema.Net)", tSchema);
                Add("load: rules + defaults (InventoryRules)", tRules);
                Add("observe: read 3 files/agent (LocalHost)", tRead);
                Add("observe: SHA-256 of contents (FileFacts)", tSha);
                Add("observe: decode agent keys (PemCodec)", tKey);
                Add("observe: key fingerprint + describe", tKeyFp);
                Add("observe: decode agent certs (PemCodec)", tCert);
                Add("observe: certificate summaries", tSummary);
                Add("observe: parse agent.cfg (AgentCfg)", tCfg);
                Add("  part of decode keys: EC public point (KeyPairs.PublicOf)", tDerive);
                Add("plan: verify agent cert signatures (BouncyCastle)", tVerify);
                if (tPlatformKey is { } pk) Add("  alternative: .NET ECDsa import PEM + export SPKI", pk);
                if (tPlatformVerify is { } pv) Add("  alternative: .NET ECDsa.VerifyData on the TBS", pv);
            }
            // Share of the sum of the pipeline's own pieces; indented rows (parts, alternatives) are not in the sum.
            var sum = parts.Where(p => !p.Key.StartsWith(' ')).Sum(p => Stats.Of(p.Value).Median);
            foreach (var (name, values) in parts)
                _spans.Add(new SpanRow("profile (1 thread)", n, name, Stats.Of(values).Median, Stats.Of(values).Median / sum));
        }

        // ---------------------------------------------------------------- ssh

        /// <summary>
        /// Issue 5/10: observation and no-op apply of agents spread over sshd hosts on loopback. Every file is read
        /// over SFTP, one connection per host; the apply's lock and journal are on the server's host, over SSH too.
        /// </summary>
        private async Task SshAsync(int n)
        {
            var watch = Stopwatch.StartNew();
            using var fleet = await SshFleet.CreateConvergedAsync(o.SshHosts, n, o.Keep);
            Console.Out.Write($"  converged ssh lab of {n} agents on {o.SshHosts} sshd hosts in {watch.Elapsed.TotalSeconds:0.0} s: {fleet.Root}\n");
            var inventory = InventoryLoader.Load(fleet.InventoryPath).State!;
            var observe = MeasureAsync(o.Runs, o.Warmup, async () =>
            {
                await using var hosts = new PemCertState.Hosts.HostSet(inventory);
                var observed = await new PemCertState.Observation.Observer(hosts).ObserveAsync(inventory, CancellationToken.None);
                if (!Planner.Create(inventory, observed, DateTimeOffset.UtcNow).IsEmpty) throw new InvalidOperationException("the ssh lab drifted");
            });
            _rows.Add(Row.From($"ssh observe+plan in-process ({o.SshHosts} hosts)", n, await observe,
                note: "connect to every host (key exchange, login), read 3 files/agent, plan; JIT warm"));
            await using (var open = new PemCertState.Hosts.HostSet(inventory))
            {
                await new PemCertState.Observation.Observer(open).ObserveAsync(inventory, CancellationToken.None);
                var warm = await MeasureAsync(o.Runs, o.Warmup, async () =>
                {
                    var observed = await new PemCertState.Observation.Observer(open).ObserveAsync(inventory, CancellationToken.None);
                    if (!Planner.Create(inventory, observed, DateTimeOffset.UtcNow).IsEmpty) throw new InvalidOperationException("the ssh lab drifted");
                });
                _rows.Add(Row.From($"ssh observe+plan, connections open ({o.SshHosts} hosts)", n, warm,
                    note: "the same with every host's connection already made: the file reads and the plan alone"));
            }

            var startup = StartupMedian();
            var plan = Measure(o.Runs, o.Warmup, () =>
            {
                var run = Child.RunChecked(PemstateFile, [.. PemstateArgs, "plan", "-f", fleet.InventoryPath]);
                if (!run.Stdout.StartsWith("No changes", StringComparison.Ordinal)) throw new InvalidOperationException("plan on the converged ssh lab is not empty:\n" + run.Stdout);
            });
            _rows.Add(Row.From($"ssh plan child process ({o.SshHosts} hosts)", n, plan, baselineName: "pemstate --version", baseline: startup,
                note: "dotnet pemstate.dll plan: wall time including process start and SSH logins"));
            var rss = new List<double>();
            var apply = Measure(o.Runs, o.Warmup, () =>
            {
                var run = Child.RunChecked(PemstateFile, [.. PemstateArgs, "apply", "--auto-approve", "-f", fleet.InventoryPath], pollRss: true);
                if (!run.Stdout.StartsWith("No changes", StringComparison.Ordinal)) throw new InvalidOperationException("apply on the converged ssh lab is not a no-op:\n" + run.Stdout);
                rss.Add(run.PeakRssKib / 1024.0);
            });
            _rows.Add(Row.From($"ssh noop-apply child process ({o.SshHosts} hosts)", n, apply, baselineName: "pemstate --version", baseline: startup,
                peakRssMib: Stats.Of(rss.TakeLast(o.Runs).ToList()).Median, note: "dotnet pemstate.dll apply --auto-approve on the converged ssh lab"));
            Console.Out.Write($"  N={n} on {o.SshHosts} hosts: child plan {Report.Format(plan.Median, "s")}, no-op apply {Report.Format(apply.Median, "s")}\n");
        }

        /// <summary>
        /// Issue 22: N sshd hosts with one agent each, as PEM fleets are. A fresh apply (every host emptied first) and a
        /// no-op apply by the pemstate command, each run beside the transport floor measured right before it: OpenSSH's
        /// own client running `true` on every host, --parallelism at a time. The remote sessions each host served are
        /// counted from its sshd's log, not from anything pemstate says.
        /// </summary>
        private void SshFleetRuns(int n)
        {
            var key = o.FleetKey;
            var width = o.Parallelism;
            var watch = Stopwatch.StartNew();
            using var fleet = SshFleet.CreateEmpty(n, n, key, count: true, o.Keep);
            Console.Out.Write($"  {n} sshd hosts, one agent each ({key}), up in {watch.Elapsed.TotalSeconds:0.0} s: {fleet.Root}\n");
            string[] apply = [.. PemstateArgs, "apply", "--auto-approve", "--parallelism", width.ToString(Inv), "-f", fleet.InventoryPath];
            for (var i = 0; i < o.Warmup; i++)
            {
                fleet.Reset();
                if (Child.Run(PemstateFile, apply) is { ExitCode: not 0 } warm)
                    Console.Out.Write($"  N={n} warm-up apply failed (exit {warm.ExitCode}): {warm.Stderr.Split('\n')[0]}\n");
                fleet.OpenSshFanOut(width);
            }
            var floorName = $"OpenSSH floor: ssh HOST true x{n}, {width} at a time";
            var floors = new List<double>();
            foreach (var fresh in new[] { true, false })
            {
                var kind = fresh ? $"fresh-apply {key}" : "noop-apply";
                var times = new List<double>();
                var rss = new List<double>();
                var beside = new List<double>();
                var counts = new List<HostSessions>();
                var failed = new List<string>();
                var server = new List<double>();
                for (var i = 0; i < o.Runs; i++)
                {
                    if (fresh) fleet.Reset();
                    beside.Add(fleet.OpenSshFanOut(width));
                    var mark = fleet.Mark();
                    var run = Child.Run(PemstateFile, apply, pollRss: true);
                    if (run.ExitCode != 0)
                    {
                        // Kept, not hidden: on this loaded machine a connection now and then drops mid-run. The run is
                        // counted as failed, its first stderr line printed, and made again (at most twice a figure).
                        failed.Add(run.Stderr.Split('\n')[0]);
                        Console.Out.Write($"  N={n} {kind}: run failed (exit {run.ExitCode}): {failed[^1]}\n");
                        if (failed.Count > 2) throw new InvalidOperationException($"{kind} over {n} ssh hosts failed {failed.Count} times:\n" + string.Join("\n", failed));
                        i--;
                        continue;
                    }
                    // The last fresh run leaves the fleet converged: the no-op runs that follow say "No changes" or fail here.
                    if (run.Stdout.StartsWith("No changes", StringComparison.Ordinal) == fresh)
                        throw new InvalidOperationException($"{kind} over {n} ssh hosts did not do what it should:\n" + run.Stdout);
                    times.Add(run.Seconds);
                    rss.Add(run.PeakRssKib / 1024.0);
                    var served = fleet.SessionsSince(mark);
                    counts.AddRange(served);
                    server.Add(served[0].Sessions);
                }
                if (counts.All(c => c.Logins == 0)) throw new InvalidOperationException("the sshd logs name no login: is LogLevel VERBOSE's wording other than expected?");
                floors.AddRange(beside);
                var s = Stats.Of(times);
                var floor = Stats.Of(beside).Median;
                _rows.Add(Row.From($"ssh-fleet {kind} ({n} hosts x 1 agent)", n, s, baselineName: floorName, baseline: floor, peakRssMib: Stats.Of(rss).Median,
                    note: $"pemstate apply --auto-approve --parallelism {width}, wall time with process start; baseline: the floor measured right before each run" +
                          (failed.Count == 0 ? "" : $"; {failed.Count} run(s) failed and were made again: {string.Join(" | ", failed)}")));
                var sessions = Stats.Of(counts.Select(c => (double)c.Sessions).ToList());
                var logins = Stats.Of(counts.Select(c => (double)c.Logins).ToList());
                var sftp = counts.Sum(c => c.Sftp);
                _rows.Add(Row.From($"ssh-fleet {kind}: sessions per host, sshd's count", n, sessions, unit: "sess",
                    note: $"exec + SFTP sessions each sshd started in one run (LogLevel VERBOSE), over {o.Runs} runs x {n} hosts; " +
                          $"logins per host median {logins.Median:0} max {logins.Max:0}; SFTP sessions in all {sftp}; " +
                          $"h0 (PEM server, CA, lock and journal, agent 1) median {Stats.Of(server).Median:0}"));
                Console.Out.Write($"  N={n} {kind}: {Report.Format(s.Median, "s")}, OpenSSH floor {Report.Format(floor, "s")}, ratio {s.Median / floor:0.00}; " +
                                  (failed.Count == 0 ? "" : $"{failed.Count} failed run(s) made again; ") +
                                  $"sessions/host median {sessions.Median:0} max {sessions.Max:0}, server host {Stats.Of(server).Median:0} (logins median {logins.Median:0}, SFTP {sftp})\n");
            }
            _rows.Add(Row.From($"ssh-fleet {floorName}", n, Stats.Of(floors),
                note: "ssh -o BatchMode=yes -i KEY -o UserKnownHostsFile=FLEET -p PORT root@127.0.0.1 true on every host, measured before every apply run"));
        }

        private static async Task<Stats> MeasureAsync(int runs, int warmup, Func<Task> action)
        {
            for (var i = 0; i < warmup; i++) await action();
            var times = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                var w = Stopwatch.StartNew();
                await action();
                times.Add(w.Elapsed.TotalSeconds);
            }
            return Stats.Of(times);
        }

        // ---------------------------------------------------------------- apply

        private async Task NoopApplyAsync(int n)
        {
            var fleet = await ConvergedAsync(n);
            var before = Snapshot(fleet.Root);
            var startup = StartupMedian();
            var rss = new List<double>();
            var s = Measure(o.Runs, o.Warmup, () =>
            {
                var run = Child.RunChecked(PemstateFile, [.. PemstateArgs, "apply", "--auto-approve", "-f", fleet.InventoryPath], pollRss: true);
                if (!run.Stdout.StartsWith("No changes", StringComparison.Ordinal)) throw new InvalidOperationException("apply on the converged lab is not a no-op:\n" + run.Stdout);
                rss.Add(run.PeakRssKib / 1024.0);
            });
            if (Snapshot(fleet.Root) != before) throw new InvalidOperationException("no-op apply changed a file or a timestamp");
            var peak = Stats.Of(rss.TakeLast(o.Runs).ToList());
            _rows.Add(Row.From("noop-apply child process", n, s, baselineName: "pemstate --version", baseline: startup, peakRssMib: peak.Median,
                note: "dotnet pemstate.dll apply --auto-approve: wall time including process start; peak RSS = VmHWM"));
            Console.Out.Write($"  N={n}: no-op apply {Report.Format(s.Median, "s")}, peak RSS {peak.Median:0} MiB (max {peak.Max:0})\n");
        }

        /// <summary>File count and newest write time in the tree: a no-op must leave both alone.</summary>
        private static (int Files, DateTime Newest) Snapshot(string root)
        {
            var files = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).ToList();
            return (files.Count, files.Select(File.GetLastWriteTimeUtc).Max());
        }

        private async Task FreshApplyAsync(int n, string key)
        {
            if (!_opensslNet.ContainsKey(key)) OpensslGen(key);
            int keys, restarts, writes;
            using (var probe = Fleet.CreateEmpty(n, key, keep: false))
            {
                var steps = (await probe.PlanAsync()).Steps;
                keys = steps.Count(st => st.Action == StepAction.GenerateKey);
                restarts = steps.Count(st => st.Action == StepAction.Restart);
                writes = steps.Count(st => st.Action is StepAction.Issue or StepAction.Install or StepAction.WriteBundle
                    or StepAction.WriteCrl or StepAction.EditSettings) + keys;
            }
            var floor = keys * _opensslNet[key] / Cores;
            await ApplyPiecesAsync(n, key, restarts, writes);

            // Warm-up on a 2-agent lab of the same key: warms the file cache and the runtime, not the clock.
            for (var i = 0; i < o.Warmup; i++)
            {
                using var warm = Fleet.CreateEmpty(2, key, keep: false);
                Child.RunChecked(PemstateFile, [.. PemstateArgs, "apply", "--auto-approve", "-f", warm.InventoryPath]);
            }
            var times = new List<double>();
            var rss = new List<double>();
            var opensslWide = new List<double>();
            for (var i = 0; i < o.Runs; i++)
            {
                // This machine's speed drifts by half within minutes (shared host): the floor's openssl samples are
                // taken beside every run, not only in the keygen scenario minutes before.
                if (key != "p256")
                {
                    for (var j = 0; j < InterleavedOpensslRuns; j++)
                        _opensslSamples[key].Add(Child.RunChecked("openssl", OpensslGenArgs(key)).Seconds);
                    // What the same keys cost openssl itself on these cores, right now: `keys` genrsa processes,
                    // `Cores` at a time. Unlike the floor it pays for the slow keys' tail and for two busy cores.
                    var watch = Stopwatch.StartNew();
                    Parallel.For(0, keys, new ParallelOptions { MaxDegreeOfParallelism = Cores }, _ => Child.RunChecked("openssl", OpensslGenArgs(key)));
                    opensslWide.Add(watch.Elapsed.TotalSeconds);
                }
                using var fleet = Fleet.CreateEmpty(n, key, o.Keep);
                var run = Child.RunChecked(PemstateFile, [.. PemstateArgs, "apply", "--auto-approve", "-f", fleet.InventoryPath], pollRss: true);
                times.Add(run.Seconds);
                rss.Add(run.PeakRssKib / 1024.0);
                if (i == 0 && !(await fleet.PlanAsync()).IsEmpty) throw new InvalidOperationException("fresh apply did not converge the lab");
            }
            if (key != "p256")
            {
                _opensslNet[key] = Math.Max(Stats.Of(_opensslSamples[key]).Median - _opensslSpawn!.Value, 1e-6);
                floor = keys * _opensslNet[key] / Cores;
            }
            var s = Stats.Of(times);
            _rows.Add(Row.From($"fresh-apply {key}", n, s, baselineName: $"floor: {keys} keys", baseline: floor, peakRssMib: Stats.Of(rss).Median,
                note: $"floor = {keys} keys x openssl net {_opensslNet[key]:0.000000} s / {Cores} cores"));
            Console.Out.Write($"  N={n} {key}: fresh apply {Report.Format(s.Median, "s")}, floor {Report.Format(floor, "s")} ({keys} keys), ratio {s.Median / floor:0.00}\n");
            if (opensslWide.Count > 0)
            {
                var wide = Stats.Of(opensslWide);
                _rows.Add(Row.From($"fresh-apply {key} vs openssl {Cores}-wide", n, s, baselineName: $"openssl genrsa x{keys}, {Cores} at a time", baseline: wide.Median,
                    note: $"the same apply runs against {keys} openssl genrsa processes run {Cores} at a time beside each run (median {wide.Median:0.000} s, min {wide.Min:0.000}, max {wide.Max:0.000})"));
                Console.Out.Write($"  N={n} {key}: openssl genrsa x{keys}, {Cores} at a time: {Report.Format(wide.Median, "s")}; fresh apply / that = {s.Median / wide.Median:0.00}\n");
            }
        }

        /// <summary>
        /// Two costs of a fresh apply beside key generation, timed alone and one after another: the restart
        /// commands (one /bin/sh each, via LocalHost.RunAsync) and atomic writes (temp file, fsync, rename,
        /// fsync of the folder, via LocalHost.WriteAtomicAsync), as many as the plan has.
        /// </summary>
        private async Task ApplyPiecesAsync(int n, string key, int restarts, int writes)
        {
            var dir = Directory.CreateTempSubdirectory("pemstate-bench-io-").FullName;
            try
            {
                var host = new Hosts.LocalHost("pem", dir);
                var payload = new byte[1200];
                var w = Stopwatch.StartNew();
                for (var i = 0; i < restarts; i++) await host.RunAsync("true", PemCertState.Inventory.HostSpec.DefaultCommandTimeout, CancellationToken.None);
                var tRestart = w.Elapsed.TotalSeconds;
                w.Restart();
                for (var i = 0; i < writes; i++)
                    await host.WriteAtomicAsync(Path.Combine(dir, $"f{i}.pem"), payload, UnixFileMode.UserRead | UnixFileMode.UserWrite, null, CancellationToken.None);
                var tWrite = w.Elapsed.TotalSeconds;
                _spans.Add(new SpanRow($"fresh-apply {key} pieces (1 thread)", n, $"{restarts} restarts: /bin/sh -c true", tRestart, 0));
                _spans.Add(new SpanRow($"fresh-apply {key} pieces (1 thread)", n, $"{writes} atomic writes with fsync", tWrite, 0));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        // ---------------------------------------------------------------- startup

        private void Startup()
        {
            var self = Path.Combine(AppContext.BaseDirectory, "PemCertState.Benchmarks.dll");
            var empty = Measure(o.Runs, o.Warmup, () => Child.RunChecked("dotnet", [self, "--empty"]));
            var ours = Measure(o.Runs, o.Warmup, () => Child.RunChecked(PemstateFile, [.. PemstateArgs, "--version"]));
            _startup = ours.Median;
            _rows.Add(Row.From("startup: pemstate --version", null, ours, baselineName: "empty .NET app", baseline: empty.Median,
                note: "dotnet pemstate.dll --version; baseline: dotnet on an app whose Main returns at once"));
            Console.Out.Write($"  pemstate --version {Report.Format(ours.Median, "s")}, empty .NET app {Report.Format(empty.Median, "s")}\n");
        }

        private double StartupMedian()
        {
            if (_startup is { } s) return s;
            var ours = Measure(o.Runs, o.Warmup, () => Child.RunChecked(PemstateFile, [.. PemstateArgs, "--version"]));
            _startup = ours.Median;
            return ours.Median;
        }

        // ---------------------------------------------------------------- helpers

        /// <summary>Warm-up runs, then measured runs timed with a Stopwatch.</summary>
        private static Stats Measure(int runs, int warmup, Action action)
        {
            for (var i = 0; i < warmup; i++) action();
            var times = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                var w = Stopwatch.StartNew();
                action();
                times.Add(w.Elapsed.TotalSeconds);
            }
            return Stats.Of(times);
        }

        /// <summary>
        /// dotnet publish of the CLI for this machine's runtime: ReadyToRun code for pemstate and every package
        /// assembly, so a child process does not spend its run in the JIT. Incremental: quick when nothing changed.
        /// </summary>
        private static string PublishReadyToRun()
        {
            var root = RepositoryRoot() ?? throw new InvalidOperationException("cannot find PemCertState.sln above the harness: pass --pemstate PATH or --jit");
            var output = Path.Combine(root, "artifacts", "pemstate-r2r");
            var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
            Console.Out.Write($"publishing pemstate (ReadyToRun, {rid}) to {output} ...\n");
            var watch = Stopwatch.StartNew();
            Child.RunChecked("dotnet", ["publish", Path.Combine(root, "src", "PemCertState.Cli"), "-c", "Release", "-r", rid, "--self-contained", "false", "-o", output, "-nologo"], root);
            Console.Out.Write($"published in {watch.Elapsed.TotalSeconds:0.0} s\n");
            return Path.Combine(output, "pemstate.dll");
        }

        /// <summary>How a child pemstate starts: a .dll through `dotnet`, the installed tool's command as itself.</summary>
        private string PemstateFile => _pemstate.EndsWith(".dll", StringComparison.Ordinal) ? "dotnet" : _pemstate;

        private string[] PemstateArgs => _pemstate.EndsWith(".dll", StringComparison.Ordinal) ? [_pemstate] : [];

        /// <summary>
        /// pemstate the way the README installs it: scripts/pack.sh (the pointer package, the RID-specific packages, this
        /// machine's compiled native) into a folder, `dotnet tool install --tool-path` from that folder alone; returns the installed command.
        /// </summary>
        private static string InstallTool()
        {
            var root = RepositoryRoot() ?? throw new InvalidOperationException("cannot find PemCertState.sln above the harness: pass --pemstate PATH");
            var folder = Path.Combine(root, "artifacts", "pemstate-tool");
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            var feed = Path.Combine(folder, "nupkg");
            Console.Out.Write($"packing and installing pemstate as a .NET tool into {folder} ...\n");
            var watch = Stopwatch.StartNew();
            Child.RunChecked(Path.Combine(root, "scripts", "pack.sh"), [feed], root);
            var config = Path.Combine(folder, "nuget.config");
            File.WriteAllText(config, $"<?xml version=\"1.0\" encoding=\"utf-8\"?><configuration><packageSources><clear /><add key=\"local\" value=\"{feed}\" /></packageSources></configuration>");
            var package = Directory.GetFiles(feed, "pemstate.*.nupkg").Select(Path.GetFileName)
                .Select(f => System.Text.RegularExpressions.Regex.Match(f!, @"^pemstate\.(\d+\.\d+\.\d+[^/]*)\.nupkg$")).First(m => m.Success).Groups[1].Value;
            Child.RunChecked("dotnet", ["tool", "install", "pemstate", "--tool-path", Path.Combine(folder, "tools"), "--version", package, "--configfile", config], folder);
            Console.Out.Write($"installed in {watch.Elapsed.TotalSeconds:0.0} s\n");
            return Path.Combine(folder, "tools", "pemstate");
        }

        private static string? RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PemCertState.sln"))) return dir.FullName;
            return null;
        }

        private static string FindPemstate()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "PemCertState.sln"))) continue;
                var cli = Path.Combine(dir.FullName, "src", "PemCertState.Cli", "bin", "Release", "net10.0", "pemstate.dll");
                if (File.Exists(cli)) return cli;
                break;
            }
            var local = Path.Combine(AppContext.BaseDirectory, "pemstate.dll");
            if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "pemstate.runtimeconfig.json"))) return local;
            throw new InvalidOperationException("cannot find pemstate.dll: build src/PemCertState.Cli in Release or pass --pemstate PATH");
        }

        public void Dispose()
        {
            foreach (var fleet in _converged.Values) fleet.Dispose();
        }
    }
}
