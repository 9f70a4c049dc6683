namespace PemCertState.Hosts;

/// <param name="StandardOutput">At most the first and last <see cref="BoundedOutput.Half"/> bytes of what the command
/// printed, with a line saying how much was left out between them.</param>
/// <param name="TimedOut">The command ran past its timeout and its process group was killed; <see cref="ExitCode"/> is then
/// whatever the kill left (137, or 255 when nothing was reported).</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut = false)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
