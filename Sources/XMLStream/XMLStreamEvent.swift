/// What an XMPP stream is made of, as the parser hands it on: the opening
/// `<stream:stream>` tag, the stanzas (its complete children), and its end.
public enum XMLStreamEvent: Sendable, Equatable {
    /// The stream header was read; its attributes carry `id`, `from`, ….
    case streamOpened(XMLStreamHeader)
    /// A complete child of the stream root: a stanza, `<handshake/>`, `<stream:error/>`, ….
    case stanza(XMPPElement)
    /// `</stream:stream>` was read: the peer closed its half of the stream.
    case streamClosed
}

/// The opening tag of a stream. Kept apart from `XMPPElement` because it is
/// never complete: its children arrive one by one as stanzas.
public struct XMLStreamHeader: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var attributes: [XMLAttribute]

    public init(name: String, namespace: String, attributes: [XMLAttribute]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    /// The value of an unqualified attribute such as `id` or `from`.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name && $0.namespace.isEmpty }?.value
    }
}
