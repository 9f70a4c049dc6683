using PemCertState.Cli;

return await CommandLine.RunAsync(CommandLine.Build(), args);
