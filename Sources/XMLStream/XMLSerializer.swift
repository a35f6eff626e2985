/// Writes elements as XML text for the wire.
///
/// Namespaces: an element declares `xmlns='…'` only where its namespace
/// differs from the default in scope, so stanzas written into a
/// `jabber:component:accept` stream carry no declaration at all.
/// Namespaced attributes other than `xml:` get a generated prefix declared on
/// the same element. Text is escaped (`&`, `<`, `>`; attributes also quotes
/// and whitespace, which attribute normalisation would otherwise eat), so
/// what the parser reads back equals what was written.
///
/// Characters that XML 1.0 cannot carry at all (C0 controls other than tab,
/// newline and carriage return, U+FFFE, U+FFFF) are dropped: they arrive from
/// other networks (IRC's colour codes, for one) and a single one would make
/// the XMPP server close the whole stream. Adapters translate formatting
/// before it gets here; this is the last line of defence.
public enum XMLSerializer {
    /// Serialises `element` as if written inside a scope whose default
    /// namespace is `defaultNamespace`.
    public static func bytes(_ element: XMPPElement, defaultNamespace: String = "") -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(element, inScope: defaultNamespace, to: &output)
        return output
    }

    /// The same as a `String`.
    public static func string(_ element: XMPPElement, defaultNamespace: String = "") -> String {
        String(decoding: bytes(element, defaultNamespace: defaultNamespace), as: UTF8.self)
    }

    /// Appends `element` to `output`.
    public static func write(_ element: XMPPElement, inScope scopeNamespace: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "<"))
        output.append(contentsOf: element.name.utf8)
        if element.namespace != scopeNamespace {
            appendAttribute(name: "xmlns", value: element.namespace, to: &output)
        }
        var prefixes: [String: String] = [:]
        for attribute in element.attributes {
            var qualified = attribute.name
            if attribute.namespace == XMLNamespace.xml {
                qualified = "xml:" + attribute.name
            } else if !attribute.namespace.isEmpty {
                let prefix: String
                if let known = prefixes[attribute.namespace] {
                    prefix = known
                } else {
                    prefix = "ns\(prefixes.count)"
                    prefixes[attribute.namespace] = prefix
                    appendAttribute(name: "xmlns:" + prefix, value: attribute.namespace, to: &output)
                }
                qualified = prefix + ":" + attribute.name
            }
            appendAttribute(name: qualified, value: attribute.value, to: &output)
        }
        if element.children.isEmpty {
            output.append(contentsOf: "/>".utf8)
            return
        }
        output.append(UInt8(ascii: ">"))
        for child in element.children {
            switch child {
            case .element(let child): write(child, inScope: element.namespace, to: &output)
            case .text(let text): appendEscaped(text, inAttribute: false, to: &output)
            }
        }
        output.append(contentsOf: "</".utf8)
        output.append(contentsOf: element.name.utf8)
        output.append(UInt8(ascii: ">"))
    }

    /// Escapes `text` for element content.
    public static func escapedText(_ text: String) -> String {
        var output: [UInt8] = []
        appendEscaped(text, inAttribute: false, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Escapes `value` for a single- or double-quoted attribute value.
    public static func escapedAttribute(_ value: String) -> String {
        var output: [UInt8] = []
        appendEscaped(value, inAttribute: true, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private static func appendAttribute(name: String, value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: name.utf8)
        output.append(contentsOf: "='".utf8)
        appendEscaped(value, inAttribute: true, to: &output)
        output.append(UInt8(ascii: "'"))
    }

    private static func appendEscaped(_ text: String, inAttribute: Bool, to output: inout [UInt8]) {
        var utf8 = text.utf8
        // Fast path: nothing to escape.
        let clean = utf8.withContiguousStorageIfAvailable { buffer in
            !buffer.contains { byte in byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x27 || byte == 0x22 || byte == 0xEF }
        }
        if clean == true {
            output.append(contentsOf: utf8)
            return
        }
        if clean == nil {
            var copy = text
            copy.makeContiguousUTF8()
            utf8 = copy.utf8
            if utf8.withContiguousStorageIfAvailable({ _ in true }) == true {
                appendEscaped(copy, inAttribute: inAttribute, to: &output)
                return
            }
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output.append(contentsOf: "&amp;".utf8)
            case "<": output.append(contentsOf: "&lt;".utf8)
            case ">": output.append(contentsOf: "&gt;".utf8)
            case "'" where inAttribute: output.append(contentsOf: "&apos;".utf8)
            case "\"" where inAttribute: output.append(contentsOf: "&quot;".utf8)
            case "\t" where inAttribute: output.append(contentsOf: "&#9;".utf8)
            case "\n" where inAttribute: output.append(contentsOf: "&#10;".utf8)
            case "\r": output.append(contentsOf: "&#13;".utf8)
            case "\t", "\n": output.append(UInt8(truncatingIfNeeded: scalar.value))
            case "\u{FFFE}", "\u{FFFF}": break
            default:
                if scalar.value < 0x20 { break }  // not representable in XML 1.0
                output.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
