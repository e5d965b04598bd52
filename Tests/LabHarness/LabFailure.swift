/// A failed lab check (the labs' `t.Fatalf`).
public struct LabFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
