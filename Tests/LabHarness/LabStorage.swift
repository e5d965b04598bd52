#if canImport(Glibc)
import Glibc
#endif

/// Where a lab run's Raft peers keep their state.
public enum LabStorage: String, Sendable, CustomStringConvertible {
    /// The labs' whole-state persister (`SimulatedPersister` through `SyncingLabLogStore`):
    /// one blob, written or synced as a whole, so a power loss can only roll back what the
    /// last sync did not cover (in practice the commit index). The default.
    case persister
    /// The daemon's `DiskRaftStore` (WAL, hard-state file, snapshot files) on each server's
    /// in-memory ``LabDisk``, behind a `CrashSimulatingFileSystem`: a power loss drops
    /// unsynced WAL pages (whole, torn or out of order), unsynced files and directory entries.
    case disk

    public var description: String { rawValue }

    /// `LAB_SIM_STORE` (`persister` or `disk`); nil when unset. Throws for another value (a
    /// misspelt setting must not silently test the wrong store).
    public static func fromEnvironment() throws -> LabStorage? {
        guard let raw = getenv("LAB_SIM_STORE") else { return nil }
        let text = String(cString: raw)
        if text.isEmpty { return nil }
        guard let storage = LabStorage(rawValue: text) else {
            throw LabFailure("LAB_SIM_STORE must be 'persister' or 'disk', not '\(text)'")
        }
        return storage
    }
}
