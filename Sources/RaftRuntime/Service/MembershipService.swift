public import RPCCore

/// `skv.raft.Membership`: reads and changes a Raft group's membership through any of its
/// replicas (handwritten stub; see ``MembershipServer``, ``MembershipClient`` and
/// ``MembershipClerk``).
public enum MembershipService {
    public enum Methods {
        public static let list = MethodDescriptor(service: "skv.raft.Membership", method: "List")
        public static let add = MethodDescriptor(service: "skv.raft.Membership", method: "Add")
        public static let addLearner = MethodDescriptor(service: "skv.raft.Membership", method: "AddLearner")
        public static let promote = MethodDescriptor(service: "skv.raft.Membership", method: "Promote")
        public static let remove = MethodDescriptor(service: "skv.raft.Membership", method: "Remove")
    }

    /// The method that carries `change`.
    public static func method(for change: MembershipRequest) -> MethodDescriptor {
        switch change {
        case .add: Methods.add
        case .addLearner: Methods.addLearner
        case .promote: Methods.promote
        case .remove: Methods.remove
        }
    }
}
