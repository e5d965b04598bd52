import ArgumentParser

/// `skv kv snapshot save|restore`: backups of a KV group (etcd's `etcdctl snapshot save` and
/// `etcdutl snapshot restore` are the model).
struct KVSnapshotCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Save a running KV group's state to a file, or seed a new member from one.",
        subcommands: [KVSnapshotSaveCommand.self, KVSnapshotRestoreCommand.self])
}
