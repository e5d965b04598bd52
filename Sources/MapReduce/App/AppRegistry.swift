/// Maps application names (as typed on a command line) to factories of ``MapReduceApp``.
///
/// The framework ships empty; `MapReduceApps.BuiltinApps.registry` holds the lab's
/// applications, and a user adds one by registering it in their own module. Value type:
/// build it once at start-up, then share it.
public struct AppRegistry: Sendable {
    /// Makes a fresh application instance.
    public typealias Factory = @Sendable () -> any MapReduceApp

    private var factories: [String: Factory] = [:]

    public init() {}

    /// Registers `factory` under `name`, replacing any earlier registration of that name.
    public mutating func register(_ name: String, factory: @escaping Factory) {
        precondition(!name.isEmpty, "an application name must not be empty")
        factories[name] = factory
    }

    /// The registered names, sorted.
    public var names: [String] { factories.keys.sorted() }

    /// Makes the application registered under `name`; a `name` that is a path to a dynamic
    /// library (see ``PluginApp/isPluginPath(_:)``) loads that plugin instead.
    /// - Throws: ``MapReduceError/Code/unknownApp`` if there is no such application or the
    ///   plugin cannot be loaded.
    public func makeApp(named name: String) throws(MapReduceError) -> any MapReduceApp {
        if PluginApp.isPluginPath(name) { return try PluginApp(loadingLibraryAt: name) }
        guard let factory = factories[name] else {
            throw MapReduceError(
                code: .unknownApp,
                message: "unknown application '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return factory()
    }
}
