/// A failed lab check (the labs' `t.Fatalf`).
struct LabFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
