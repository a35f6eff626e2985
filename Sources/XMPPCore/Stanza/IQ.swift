import XMLStream

/// An `<iq/>` stanza (RFC 6120 §8.2.3): a request that is owed exactly one
/// answer, a result or an error.
public struct IQ: Sendable, Equatable {
    public enum IQType: String, Sendable { case get, set, result, error }

    public var element: XMPPElement

    /// Wraps `element` when it is a well-formed IQ: an `id` and a known `type`.
    public init?(_ element: XMPPElement) {
        guard StanzaKind(element) == .iq, element.stanzaID != nil,
              element.stanzaType.flatMap(IQType.init) != nil else { return nil }
        self.element = element
    }

    public var type: IQType { IQType(rawValue: element.stanzaType ?? "") ?? .error }
    public var id: String { element.stanzaID ?? "" }
    public var to: JID? { element.to }
    public var from: JID? { element.from }

    /// Whether this IQ asks for something (and so must be answered).
    public var isRequest: Bool { type == .get || type == .set }

    /// The request's payload: its one child element (RFC 6120 §8.2.3).
    public var payload: XMPPElement? { element.elements.first }

    /// A get or set request.
    public static func request(_ type: IQType, id: String, from: JID, to: JID, payload: XMPPElement) -> XMPPElement {
        XMPPElement("iq", namespace: XMPPNamespace.component,
                    ["type": type.rawValue, "id": id, "from": from.description, "to": to.description],
                    children: [payload])
    }

    /// The result answering this request, with an optional payload.
    public func result(_ payload: XMPPElement? = nil) -> XMPPElement {
        XMPPElement("iq", namespace: XMPPNamespace.component,
                    ["type": "result", "id": id, "from": element.attribute("to"), "to": element.attribute("from")],
                    children: payload.map { [$0] } ?? [])
    }
}
