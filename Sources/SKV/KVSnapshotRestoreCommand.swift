import ArgumentParser
import DurableStorage
import KVRaft
import Raft
import RaftRuntime
import RSM

/// `skv kv snapshot restore FILE --data-dir D --id N --peer ID=HOST:PORT ...`: seeds a new
/// member's data directory from a file `skv kv snapshot save` wrote, for a new cluster whose
/// members are all restored from the same file with the same `--peer` list (each with its own
/// `--id` and directory); then start each with `skv kv serve` and the same id, peers and
/// directory.
///
/// The directory gets a Raft snapshot of the file's state at the file's log index, in term 1,
/// with the `--peer` ids as the voters, and the data-directory marker of a KV member; the new
/// group elects a leader in a later term and continues the log after that index. The file is
/// checked first (header, checksum, and the state must restore); a directory that exists and
/// is not empty is refused, so no member's log is overwritten.
///
/// Exit status: 0 restored; 1 an unusable file or directory (one line says why); 2 invalid
/// options.
struct KVSnapshotRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Seed a new KV member's data directory from a snapshot FILE.")

    /// Term of the seeded snapshot and hard state (the new group's first election is in term 2).
    static let seededTerm: UInt64 = 1

    @Argument(help: "A snapshot written by `skv kv snapshot save`.")
    var file: String

    @Option(name: .customLong("data-dir"), help: "The new member's data directory (must not exist, or be empty).")
    var dataDir: String

    @Option(help: "The new member's Raft id (one of the --peer ids).")
    var id: UInt64

    @Option(
        name: .customLong("peer"),
        help: "A member of the new group, ID=HOST:PORT (every member, this one included; the same list for all).")
    var peers: [String] = []

    func run() async throws {
        let members: PeerList
        do throws(SKVError) {
            members = try PeerList(parsing: peers)
            guard members.addresses[id] != nil else { throw SKVError("own id \(id) is not among the peers (\(members))") }
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
        let snapshot: SnapshotFile
        do throws(SKVError) {
            snapshot = try SnapshotFile.read(from: file)
        } catch {
            fail(error.message, status: 1)
        }
        var machine = KVStateMachine()
        let sessions: Int
        do {
            sessions = try ReplicatedStateMachine.verifySnapshot(snapshot.payload, restoringInto: &machine)
        } catch {
            fail("\(file): the KV state does not decode: \(error)", status: 1)
        }
        do throws(SKVError) {
            try seed(with: snapshot, members: members)
        } catch {
            fail(error.message, status: 1)
        }
        print(
            "restored \(file) (index \(snapshot.index), \(machine.count) keys, \(sessions) sessions) into \(dataDir) "
                + "as member \(id) of \(members); start it with skv kv serve --id \(id) --data-dir \(dataDir) "
                + "and the same --peer list")
    }

    /// Writes the Raft snapshot, hard state and marker into the (new or empty) data directory.
    private func seed(with snapshot: SnapshotFile, members: PeerList) throws(SKVError) {
        let fileSystem = PosixFileSystem()
        if let entries = try? fileSystem.listDirectory(dataDir), !entries.isEmpty {
            throw SKVError("data directory \(dataDir) is not empty: restore seeds a new member's directory")
        }
        do {
            let store = try DiskRaftStore(directory: dataDir)
            defer { store.close() }
            let metadata = Snapshot.Metadata(
                index: snapshot.index, term: Self.seededTerm, voters: members.addresses.keys.sorted())
            try store.persist(
                hardState: HardState(term: Self.seededTerm, vote: 0, commit: snapshot.index), entries: [],
                snapshot: Snapshot(metadata: metadata, data: snapshot.payload), mustSync: true)
        } catch {
            throw SKVError("cannot seed data directory \(dataDir): \(error)")
        }
        try DataDirectoryMarker(service: .kv, id: id).verifyOrCreate(in: dataDir)
        let book = AddressBook(
            initialVoters: members.addresses.keys.sorted(), addresses: members.addresses.mapValues { "\($0)" })
        do {
            try AddressBookFile(directory: dataDir).save(book)
        } catch {
            throw SKVError("cannot write the address book in \(dataDir): \(error)")
        }
    }
}
