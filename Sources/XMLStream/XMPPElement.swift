/// One XML element of an XMPP stream: a stanza, or anything inside one.
///
/// XMPP only ever exchanges small, namespaced trees (RFC 6120 §4.1), so the
/// tree is a plain value: cheap to pass between tasks (it is `Sendable`), easy
/// to compare in tests, and free of the document/DOM machinery of general XML
/// libraries. The name is `XMPPElement`, not `XMLElement`, so that it never
/// collides with Foundation's class of that name.
///
/// Namespaces are resolved: `namespace` is the element's namespace URI (`""`
/// for none), never a prefix. The serializer chooses declarations itself.
public struct XMPPElement: Sendable, Hashable {
    /// The local name, e.g. `message`.
    public var name: String
    /// The namespace URI, e.g. `jabber:component:accept`; `""` for none.
    public var namespace: String
    /// The attributes in document order (XML allows no duplicates; the parser
    /// guarantees that, builders are trusted to keep it).
    public var attributes: [XMLAttribute]
    /// Child elements and text, in document order.
    public var children: [XMLNode]

    public init(
        name: String,
        namespace: String = "",
        attributes: [XMLAttribute] = [],
        children: [XMLNode] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// Builds an element from a list of `(name, value)` pairs; a `nil` value
    /// leaves the attribute out, which keeps stanza builders free of `if`s.
    public init(
        _ name: String,
        namespace: String = "",
        _ attributes: KeyValuePairs<String, String?> = [:],
        children: [XMPPElement] = [],
        text: String? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes.compactMap { key, value in
            value.map { XMLAttribute(name: key, value: $0) }
        }
        self.children = children.map(XMLNode.element)
        if let text { self.children.append(.text(text)) }
    }

    /// The value of the attribute `name` in `namespace` (`""`: no namespace).
    public func attribute(_ name: String, namespace: String = "") -> String? {
        for attribute in attributes where attribute.name == name && attribute.namespace == namespace {
            return attribute.value
        }
        return nil
    }

    /// Sets, replaces or (with `nil`) removes an attribute.
    public mutating func setAttribute(_ name: String, namespace: String = "", to value: String?) {
        if let index = attributes.firstIndex(where: { $0.name == name && $0.namespace == namespace }) {
            if let value { attributes[index].value = value } else { attributes.remove(at: index) }
        } else if let value {
            attributes.append(XMLAttribute(name: name, namespace: namespace, value: value))
        }
    }

    /// The child elements, skipping text.
    public var elements: [XMPPElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The first child element with this name (and namespace, when given).
    public func child(_ name: String, namespace: String? = nil) -> XMPPElement? {
        for case .element(let element) in children
        where element.name == name && (namespace == nil || element.namespace == namespace) {
            return element
        }
        return nil
    }

    /// The first child element in `namespace`, whatever its name (how XMPP
    /// finds an IQ's payload or a stanza error's condition).
    public func child(inNamespace namespace: String) -> XMPPElement? {
        for case .element(let element) in children where element.namespace == namespace {
            return element
        }
        return nil
    }

    /// The element's own text: its text children joined, without descendants'.
    public var text: String {
        var result = ""
        for case .text(let text) in children { result += text }
        return result
    }

    /// Appends a child element.
    public mutating func append(_ element: XMPPElement) {
        children.append(.element(element))
    }

    /// Appends text.
    public mutating func append(text: String) {
        children.append(.text(text))
    }
}

/// A child of an element: another element, or a run of text.
public enum XMLNode: Sendable, Hashable {
    case element(XMPPElement)
    case text(String)
}

/// An attribute with its resolved namespace (`""` for none, which is nearly
/// every attribute in XMPP; `xml:lang` has the XML namespace).
public struct XMLAttribute: Sendable, Hashable {
    public var name: String
    public var namespace: String
    public var value: String

    public init(name: String, namespace: String = "", value: String) {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// Well-known namespace URIs of the XML layer itself.
public enum XMLNamespace {
    /// The namespace of `xml:lang` and other `xml:` attributes, bound by definition.
    public static let xml = "http://www.w3.org/XML/1998/namespace"
    /// The namespace of `<stream:stream>` and `<stream:error>`.
    public static let streams = "http://etherx.jabber.org/streams"
    /// The namespace of stream error conditions.
    public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
}
