import ServiceLifecycle

/// A service of the daemon's `ServiceGroup` that describes itself by its type's name.
/// swift-service-lifecycle describes each service once, at start-up (`"\(service)"`), and the
/// default reflection would print every stored value: a restored snapshot's bytes held in a
/// service's context took seconds and hundreds of MB to format at 1 M keys.
protocol NamedService: Service, CustomStringConvertible {}

extension NamedService {
    var description: String { "\(Self.self)" }
}
