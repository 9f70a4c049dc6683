using System.Runtime.InteropServices;

namespace PemCertState.Cli;

/// <summary>
/// The one interruption policy. The first SIGINT (Ctrl-C) or SIGTERM (a CI runner cancelling the job) asks the verb to
/// stop: an apply or rollback finishes the steps under way and starts no other, journals "interrupted" and releases its
/// lock; a verb that changes nothing stops at once. A second signal also stops the step under way (its command is
/// killed, its I/O abandoned: what a crash there leaves, which the next plan takes up), and the process exits within
/// <see cref="Grace"/> whatever happens. A third exits at once. Always with exit code 130, like a shell's Ctrl-C.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    /// <summary>How long a run stopped inside a step has to release its lock and journal that, before the process exits anyway.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _betweenSteps = new();
    private readonly CancellationTokenSource _midStep = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;
    private volatile bool _prompting;
    private volatile bool _told;

    private Interrupts(bool register) =>
        _registrations = register ? [PosixSignalRegistration.Create(PosixSignal.SIGINT, On), PosixSignalRegistration.Create(PosixSignal.SIGTERM, On)] : [];

    public static Interrupts Register() => new(register: true);

    /// <summary>No handler: for a command tree that is only inspected (help text, completion scripts), never run.</summary>
    public static Interrupts None { get; } = new(register: false);

    /// <summary>Cancelled by the first signal: stop between steps.</summary>
    public CancellationToken BetweenSteps => _betweenSteps.Token;

    /// <summary>Cancelled by the second signal: stop inside a step too.</summary>
    public CancellationToken MidStep => _midStep.Token;

    public bool Requested => _betweenSteps.IsCancellationRequested;

    /// <summary>The first signal's name, for the messages: SIGINT or SIGTERM.</summary>
    public string Signal { get; private set; } = "SIGINT";

    /// <summary>The verb said itself what it stopped (apply, rollback, prune); the program's closing line is not needed.</summary>
    public void Told() => _told = true;

    /// <summary>While a person is asked to confirm: nothing has changed and no lock is held, so a signal ends the program at once.</summary>
    public IDisposable Prompting()
    {
        _prompting = true;
        return new PromptScope(this);
    }

    private void On(PosixSignalContext context)
    {
        context.Cancel = true;
        var count = Interlocked.Increment(ref _signals);
        var name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        if (count == 1) Signal = name;
        if (_prompting)
        {
            Console.Error.Write($"\npemstate: {name}: cancelled; nothing was changed.\n");
            Environment.Exit(ExitCodes.Interrupted);
        }
        switch (count)
        {
            case 1:
                Console.Error.Write($"\npemstate: {name}: stopping after the step under way (press Ctrl-C again to stop inside it)\n");
                _betweenSteps.Cancel();
                break;
            case 2:
                Console.Error.Write($"\npemstate: {name} again: stopping inside the step under way; the next plan takes up what it leaves\n");
                _midStep.Cancel();
                _ = Task.Delay(Grace).ContinueWith(_ => Environment.Exit(ExitCodes.Interrupted), TaskScheduler.Default);
                break;
            default:
                Environment.Exit(ExitCodes.Interrupted);
                break;
        }
    }

    /// <summary>
    /// The program's last words after a signal: what the verb stopped, unless it said so itself. A verb that ended by
    /// cancellation (<paramref name="code"/> is <see cref="ExitCodes.Interrupted"/>) had changed nothing, or else said what it did.
    /// </summary>
    public int Conclude(string verb, int code)
    {
        if (_told) return ExitCodes.Interrupted;
        Console.Error.Write(code == ExitCodes.Interrupted
            ? verb is "apply" or "rollback" or "backups prune"
                ? $"pemstate: {verb} stopped by {Signal} before it changed anything; nothing was changed and no lock is left.\n"
                : $"pemstate: {verb} stopped by {Signal} before it finished; nothing was changed.\n"
            : $"pemstate: {Signal} came as {verb} finished; its output above is complete.\n");
        return ExitCodes.Interrupted;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _betweenSteps.Dispose();
        _midStep.Dispose();
    }

    private sealed class PromptScope(Interrupts owner) : IDisposable
    {
        public void Dispose() => owner._prompting = false;
    }
}
