import RPCCore
import Testing

/// The router keys on `:path`; these check that parsing and printing agree and reject junk.
@Suite struct MethodDescriptorTests {
    @Test func pathRoundTrips() {
        let descriptor = MethodDescriptor(service: "grpc.testing.TestService", method: "UnaryCall")
        #expect(descriptor.path == "/grpc.testing.TestService/UnaryCall")
        #expect(MethodDescriptor(path: descriptor.path) == descriptor)
        // Non-ASCII names, and a service name with a slash (the method is after the last one).
        let accented = MethodDescriptor(service: "dienst.Prüfung", method: "Größe")
        #expect(MethodDescriptor(path: accented.path) == accented)
        #expect(MethodDescriptor(path: "/a/b/c") == MethodDescriptor(service: "a/b", method: "c"))
    }

    @Test(arguments: ["", "/", "//", "noslash", "/service", "/service/", "//method", "service/method"])
    func malformedPathsAreRejected(path: String) {
        #expect(MethodDescriptor(path: path) == nil)
    }
}
