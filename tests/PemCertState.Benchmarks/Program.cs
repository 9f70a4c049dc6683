// Fleet benchmarks for pemstate. Usage (see docs/benchmarks.md):
//   dotnet run -c Release --project tests/PemCertState.Benchmarks -- [keygen] [plan] [noop-apply] [fresh-apply] [startup]
//       [--agents 100,1000] [--runs 5] [--out bench-results/results.json] ...
// "--empty" exits at once: the start-up baseline (an empty .NET app on this machine).
if (args is ["--empty"]) return 0;
return await PemCertState.Benchmarks.Harness.RunAsync(args);
