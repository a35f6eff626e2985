/// What a store conformance check throws when the store under test does
/// not behave like the reference: which check, and what differed.
public struct StoreConformanceFailure: Error, CustomStringConvertible {
    /// The name of the check that failed (one of `StoreConformance.checks`).
    public var check: String
    /// What was asked, what was expected and what the store answered.
    public var detail: String

    public init(check: String, detail: String) {
        self.check = check
        self.detail = detail
    }

    public var description: String { "store conformance, \(check): \(detail)" }
}

/// Compares what a store answered with what was expected, throwing a
/// `StoreConformanceFailure` named after the running check.
struct Expect {
    let check: String

    func equal<Value: Equatable>(_ actual: Value, _ expected: Value, _ what: @autoclosure () -> String) throws {
        guard actual == expected else {
            throw fail("\(what()): expected \(expected), got \(actual)")
        }
    }

    func fail(_ detail: String) -> StoreConformanceFailure {
        StoreConformanceFailure(check: check, detail: detail)
    }
}
