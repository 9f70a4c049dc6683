using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>Where pemstate keeps its own files on the server's host, and where an older pemstate kept them in data_dir.</summary>
internal static class StateFiles
{
    public const string JournalName = "journal.jsonl";
    public const string LegacyJournalName = ".pemstate-journal.jsonl";
    public const string LoadedName = "loaded.jsonl";
    public const string IssuedName = "issued.jsonl";
    public const string LockName = "apply.lock";
    public const string LegacyLockName = ".pemstate.lock";

    public static string Journal(ServerSpec server) => Path.Combine(server.StateDir, JournalName);

    public static string LegacyJournal(ServerSpec server) => Path.Combine(server.DataDir, LegacyJournalName);

    public static string Loaded(ServerSpec server) => Path.Combine(server.StateDir, LoadedName);

    public static string Issued(ServerSpec server) => Path.Combine(server.StateDir, IssuedName);

    public static string Lock(ServerSpec server) => Path.Combine(server.StateDir, LockName);

    public static string LegacyLock(ServerSpec server) => Path.Combine(server.DataDir, LegacyLockName);
}
