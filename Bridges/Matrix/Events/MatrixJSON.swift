import Foundation

/// Any JSON value, as Matrix events and API answers are: open-ended objects
/// whose fields depend on the event type. Read with subscripts
/// (`event["content"]["body"].string`); missing fields read as `.null`.
public enum MatrixJSON: Hashable, Sendable, Codable, ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral,
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

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([MatrixJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: MatrixJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

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
