import RPCCore
import Testing

/// Member-only services: no identity → UNAUTHENTICATED, a non-member's → PERMISSION_DENIED,
/// a member's → allowed; other services are never checked.
@Suite struct PeerAuthorizationTests {
    let authorization = PeerAuthorization(restrictedServices: ["skv.raft.Raft"]) { $0.commonName == "skv-member" }
    let raftStep = MethodDescriptor(service: "skv.raft.Raft", method: "Step")

    func context(_ descriptor: MethodDescriptor, _ commonName: String??) -> ServerContext {
        ServerContext(
            descriptor: descriptor, remotePeer: "test", peerIdentity: commonName.map { PeerIdentity(commonName: $0) })
    }

    @Test func restrictedServiceChecksTheIdentity() {
        #expect(authorization.refusal(for: context(raftStep, nil))?.code == .unauthenticated)
        #expect(authorization.refusal(for: context(raftStep, .some("skv-client")))?.code == .permissionDenied)
        #expect(authorization.refusal(for: context(raftStep, .some(nil)))?.code == .permissionDenied)
        #expect(authorization.refusal(for: context(raftStep, .some("skv-member"))) == nil)
    }

    @Test func otherServicesAreOpen() {
        let get = MethodDescriptor(service: "skv.kv.KV", method: "Get")
        #expect(authorization.refusal(for: context(get, nil)) == nil)
        #expect(authorization.refusal(for: context(get, .some("skv-client"))) == nil)
    }
}
