import Yams

extension Node {
    /// The node's resolved tag (`Tag.name` itself is not public).
    var tagName: Tag.Name {
        Tag.Name(rawValue: tag.rawValue)
    }

    /// Whether this is YAML's null: an empty value, `~` or `null`, unquoted.
    var isNull: Bool {
        if case .scalar = self {
            return tagName == .null
        }
        return false
    }
}

/// How a value is shown after "found" in an error message: strings quoted,
/// other scalars as written, collections by kind.
func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
        if node.isNull {
            return "null"
        }
        if node.tagName == .str {
            return quote(scalar.string)
        }
        return abbreviate(scalar.string)
    case .mapping:
        return "a mapping"
    case .sequence:
        return "a list"
    case .alias:
        return "an alias"
    }
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped.
func quote(_ text: String) -> String {
    var result = "\""
    for scalar in abbreviate(text).unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// Shortens long text so one bad value cannot flood an error message.
private func abbreviate(_ text: String, limit: Int = 60) -> String {
    text.count <= limit ? text : text.prefix(limit) + "…"
}
