import DurableStorage

/// An ``AddressBookStore`` in a data directory: the file `members`, replaced atomically and
/// checksummed (``AtomicFile``: temporary file, `fsync`, `rename`, directory `fsync`), so a
/// crash leaves the previous book or the new one.
///
/// The file is written only by the peer that owns the directory (the ``DiskRaftStore`` in the
/// same directory holds its lock); `@unchecked Sendable` is not needed: the value holds a
/// path and a stateless POSIX file system.
public struct AddressBookFile: AddressBookStore {
    /// The file's name in the data directory.
    public static let fileName = "members"

    public let path: String
    private let fileSystem: PosixFileSystem

    public init(directory: String) {
        path = directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName
        fileSystem = PosixFileSystem()
    }

    public func load() throws(RaftStoreError) -> AddressBook? {
        let bytes: [UInt8]?
        do throws(WALError) {
            bytes = try AtomicFile(path: path, fileSystem: fileSystem).read()
        } catch {
            throw .from(error)
        }
        guard let bytes else { return nil }
        guard let book = AddressBook(decoding: bytes) else {
            throw .corrupt(reason: "\(path) is not a version-1 address book")
        }
        return book
    }

    public func save(_ book: AddressBook) throws(RaftStoreError) {
        do throws(WALError) {
            try AtomicFile(path: path, fileSystem: fileSystem).write(book.encoded())
        } catch {
            throw .from(error)
        }
    }
}
