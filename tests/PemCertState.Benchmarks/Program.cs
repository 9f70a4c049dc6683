// Fleet benchmarks for pemstate. Usage (see docs/benchmarks.md):
//   dotnet run -c Release --project tests/PemCertState.Benchmarks -- [keygen] [plan] [noop-apply] [fresh-apply] [startup] [ssh] [ssh-fleet]
//       [--agents 100,1000] [--runs 5] [--out bench-results/results.json] ...
// "--empty" exits at once: the start-up baseline (an empty .NET app on this machine).
// "--cold-plan FILE" runs one in-process plan in this fresh process and prints its spans (cold JIT).
if (args is ["--empty"]) return 0;
if (args is ["--cold-plan", var inventory]) return await PemCertState.Benchmarks.Harness.ColdPlanAsync(inventory);
return await PemCertState.Benchmarks.Harness.RunAsync(args);
