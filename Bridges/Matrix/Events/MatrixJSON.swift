/// Any JSON value, as Matrix events and API answers are: open-ended objects
/// whose fields depend on the event type. Read with subscripts
/// (`event["content"]["body"].string`); missing fields read as `.null`.
public enum MatrixJSON: Hashable, Sendable, ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([MatrixJSON])
    case object([String: MatrixJSON])

    public init(dictionaryLiteral elements: (String, MatrixJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: MatrixJSON...) { self = .array(elements) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public subscript(key: String) -> MatrixJSON {
        get { if case .object(let object) = self { object[key] ?? .null } else { .null } }
        set {
            var object: [String: MatrixJSON] = if case .object(let existing) = self { existing } else { [:] }
            object[key] = newValue
            self = .object(object)
        }
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var int: Int? { if case .number(let value) = self, value.rounded() == value { Int(exactly: value) } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var array: [MatrixJSON]? { if case .array(let value) = self { value } else { nil } }
    public var object: [String: MatrixJSON]? { if case .object(let value) = self { value } else { nil } }
    public var isNull: Bool { self == .null }

    /// Parses `bytes`; `nil` when they are not JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> MatrixJSON? {
        MatrixJSONParser.parse(Array(bytes))
    }

    /// The value as compact JSON text, object keys sorted.
    public var serialized: String {
        var output = ""
        MatrixJSONParser.serialize(self, into: &output)
        return output
    }
}
