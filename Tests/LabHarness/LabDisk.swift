import DurableStorage
import Simulation
import Synchronization

/// One lab server's disk in the disk-store model (``LabStorage/disk``): an in-memory file
/// system behind a `CrashSimulatingFileSystem`, which survives the server's crashes. Each
/// instance of the server mounts it (``mount(environment:)``) and runs a `DiskRaftStore` on
/// it, as the daemon does on a real disk.
///
/// Two ways an instance dies, each ending its mount (every later call of the dead
/// instance's store fails with `EIO`, so it cannot change what the next instance reads):
/// - ``processCrash()``: the process dies, the machine stays up. Everything written stays,
///   and what was not synced stays exposed to a later power loss.
/// - a power cut planned while the instance runs (``armPowerCut(afterOperations:onCut:)``):
///   after some more mutating calls (writes, syncs, renames...) every call fails with `EIO`,
///   mid-write, and the harness is told; it then calls ``powerLoss(random:)``.
/// - ``powerLoss(random:)``: what was not synced is lost (`CrashSimulatingFileSystem.crash`):
///   unsynced file creations and removals, and unsynced pages, each at random written back
///   whole, lost (reading as zeros before a later page that was written back) or torn at a
///   512-byte sector.
///
/// Thread safety: one mutex guards the file systems (the store calls them from its peer's
/// actor, the harness from the group's actor).
final class LabDisk: Sendable {
    private struct State {
        let memory = InMemoryFileSystem()
        let fileSystem: CrashSimulatingFileSystem
        /// The mount that may still use the disk; older mounts are dead instances.
        var generation = 0
        /// Called once when a planned power cut happens (``armPowerCut(afterOperations:onCut:)``).
        var onPowerCut: (@Sendable () -> Void)?

        init() {
            fileSystem = CrashSimulatingFileSystem(base: memory)
        }
    }

    /// The data directory of the server's `DiskRaftStore`.
    static let dataDirectory = "/data"
    /// The store's WAL segments: small enough that snapshots release whole segments in a lab
    /// run (and segments roll), large enough for a shard's data in one entry.
    static let walConfig = WriteAheadLog.Config(segmentSizeBytes: 512 << 10, maxRecordBytes: 384 << 10)
    /// Mutating file-system calls before a planned power cut, at most (a persisted batch of
    /// entries costs 2, a new term or vote 5).
    static let powerCutOperations: UInt64 = 100
    /// The unit a torn page is cut at.
    static let sectorBytes = 512

    private let state = Mutex(State())

    /// A file system for a new instance of the server, usable until the instance crashes.
    func mount(environment: LabEnvironment) -> LabDiskFileSystem {
        let generation = state.withLock { $0.generation }
        return LabDiskFileSystem(disk: self, generation: generation, environment: environment)
    }

    /// The generation of the newest mount.
    var generation: Int { state.withLock { $0.generation } }

    /// The running instance's process dies: its files are closed, nothing written is lost (a
    /// planned power cut is called off).
    func processCrash() {
        state.withLock { state in
            state.generation += 1
            state.fileSystem.abandonOpenFiles()
            state.fileSystem.clearFaults()
            state.onPowerCut = nil
        }
    }

    /// Plans a power cut of the running instance after `count` more mutating calls; `onCut`
    /// runs once, right after the call that met it (without the disk's lock held).
    func armPowerCut(afterOperations count: Int, onCut: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.fileSystem.cutPower(afterOperations: count)
            state.onPowerCut = onCut
        }
    }

    /// The power goes: everything not synced may be lost (see the type's comment). Returns
    /// how many unsynced pages were lost or torn, and how many reached the disk whole.
    func powerLoss(random: inout SeededRandom) throws(WALError) -> (damaged: Int, kept: Int) {
        var generator = random
        let counts = try state.withLock { (state: inout State) throws(WALError) -> (Int, Int) in
            state.generation += 1
            state.onPowerCut = nil
            var damaged = 0
            var kept = 0
            defer { state.fileSystem.clearFaults() }  // the machine boots again
            try state.fileSystem.crash(
                undoingRemovals: { _ in generator.next() % 2 == 0 },
                undoingRenames: { _ in generator.next() % 2 == 0 },
                keepingUnsyncedBytes: { _, unsynced in
                    switch generator.next() % 4 {
                    case 0, 1:
                        kept += 1
                        return unsynced.count
                    case 2:
                        damaged += 1
                        return 0
                    default:
                        damaged += 1
                        return Self.tornLength(of: unsynced, random: &generator)
                    }
                })
            return (damaged, kept)
        }
        random = generator
        return counts
    }

    /// How many bytes of a page's unsynced bytes `unsynced` a write torn at a random sector
    /// boundary kept (fewer than all; the device writes whole sectors).
    static func tornLength(of unsynced: Range<Int>, random: inout SeededRandom) -> Int {
        let firstBoundary = (unsynced.lowerBound / sectorBytes + 1) * sectorBytes
        let boundaries = Array(stride(from: firstBoundary, to: unsynced.upperBound, by: sectorBytes))
        guard !boundaries.isEmpty else { return 0 }
        return boundaries[Int(random.next() % UInt64(boundaries.count))] - unsynced.lowerBound
    }

    /// Runs one call of the mount of `generation`; `EIO` once that instance crashed.
    func access<T: Sendable>(
        generation: Int, _ body: (CrashSimulatingFileSystem) throws(WALError) -> T
    ) throws(WALError) -> T {
        let (result, cut) = state.withLock { state -> (Result<T, WALError>, (@Sendable () -> Void)?) in
            guard state.generation == generation else {
                let error = WALError.io(
                    operation: "any", path: Self.dataDirectory, errno: 5 /* EIO */, message: "the instance crashed")
                return (.failure(error), nil)
            }
            let result: Result<T, WALError>
            do throws(WALError) {
                result = .success(try body(state.fileSystem))
            } catch {
                result = .failure(error)
            }
            guard state.fileSystem.hasLostPower, let cut = state.onPowerCut else { return (result, nil) }
            state.onPowerCut = nil
            return (result, cut)
        }
        cut?()
        return try result.get()
    }

    /// Bytes of the newest snapshot file (0: none), as the daemon's store wrote it.
    var snapshotBytes: Int {
        state.withLock { state in
            let directory = Self.dataDirectory + "/snapshots"
            guard let names = try? state.memory.listDirectory(directory) else { return 0 }
            let sizes = names.filter { !$0.hasSuffix(".tmp") }.compactMap { name -> Int? in
                guard let handle = try? state.memory.open(directory + "/" + name, mode: .readOnly) else { return nil }
                defer { try? state.memory.close(handle) }
                return (try? state.memory.size(handle)).map { Int($0) }
            }
            return sizes.max() ?? 0
        }
    }
}
