import Foundation

/// Any JSON value, decoded without losing what type it was, so a payload
/// with `"text": 5` is answered "must be a string, found a number".
enum JSONValue: Decodable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let string = try? container.decode(String.self) { self = .string(string) }
        else if let array = try? container.decode([JSONValue].self) { self = .array(array) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var typeName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object with typed getters whose errors name the field (with its
/// place in the payload, `attachments[0].title`) and what was found.
struct JSONObject {
    let fields: [String: JSONValue]
    let path: String

    init(_ fields: [String: JSONValue], path: String) {
        self.fields = fields
        self.path = path
    }

    /// The object in `data`, or `invalid_payload` saying what is wrong.
    static func parse(_ data: Data) throws(PayloadError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalid("the body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw .invalid("expected a JSON object, found \(value.typeName)")
        }
        return JSONObject(fields, path: "")
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func string(_ key: String) throws(PayloadError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let string)?: return string
        case let other?: throw .invalid("'\(name(key))' must be a string, found \(other.typeName)")
        }
    }

    func bool(_ key: String) throws(PayloadError) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let bool)?: return bool
        case let other?: throw .invalid("'\(name(key))' must be true or false, found \(other.typeName)")
        }
    }

    func object(_ key: String) throws(PayloadError) -> JSONObject? {
        switch fields[key] {
        case nil, .null?: return nil
        case .object(let object)?: return JSONObject(object, path: name(key))
        case let other?: throw .invalid("'\(name(key))' must be an object, found \(other.typeName)")
        }
    }

    /// An array of objects (attachments, blocks, fields, elements).
    func objects(_ key: String) throws(PayloadError) -> [JSONObject] {
        let array: [JSONValue]
        switch fields[key] {
        case nil, .null?: return []
        case .array(let elements)?: array = elements
        case let other?: throw .invalid("'\(name(key))' must be an array, found \(other.typeName)")
        }
        var objects: [JSONObject] = []
        for (index, element) in array.enumerated() {
            guard case .object(let object) = element else {
                throw .invalid("'\(name(key))[\(index)]' must be an object, found \(element.typeName)")
            }
            objects.append(JSONObject(object, path: "\(name(key))[\(index)]"))
        }
        return objects
    }
}
