using PemCertState.Cli;

return await CommandLine.RunAsync(args);
