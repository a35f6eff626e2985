import XMLStream

/// A stanza error (RFC 6120 §8.3): what went wrong with one stanza, in the
/// form the sender's client can show.
///
/// Errors that reach the wire know how to render themselves: code that
/// refuses a stanza throws or returns one of these and `reply(to:)` makes the
/// answer, including the rule that an error is never answered with an error.
public struct StanzaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// RFC 6120 §8.3.2: what the sender should do about it.
    public enum ErrorType: String, Sendable {
        case auth, cancel, `continue`, modify, wait
    }

    /// RFC 6120 §8.3.3 conditions Trestle uses.
    public enum Condition: String, Sendable {
        case badRequest = "bad-request"
        case conflict
        case featureNotImplemented = "feature-not-implemented"
        case forbidden
        case internalServerError = "internal-server-error"
        case itemNotFound = "item-not-found"
        case jidMalformed = "jid-malformed"
        case notAcceptable = "not-acceptable"
        case notAllowed = "not-allowed"
        case notAuthorized = "not-authorized"
        case policyViolation = "policy-violation"
        case recipientUnavailable = "recipient-unavailable"
        case registrationRequired = "registration-required"
        case remoteServerNotFound = "remote-server-not-found"
        case remoteServerTimeout = "remote-server-timeout"
        case resourceConstraint = "resource-constraint"
        case serviceUnavailable = "service-unavailable"
        case undefinedCondition = "undefined-condition"
        case unexpectedRequest = "unexpected-request"

        /// The type RFC 6120 §8.3.3 suggests for each condition.
        public var defaultType: ErrorType {
            switch self {
            case .badRequest, .jidMalformed, .notAcceptable, .policyViolation: .modify
            case .forbidden, .notAuthorized, .registrationRequired: .auth
            case .recipientUnavailable, .remoteServerTimeout, .resourceConstraint, .unexpectedRequest: .wait
            default: .cancel
            }
        }
    }

    public var type: ErrorType
    public var condition: Condition
    /// Optional human-readable text, shown by clients.
    public var text: String?
    /// The entity that raised the error (RFC 6120 §8.3.2 `by`).
    public var by: JID?

    public init(_ condition: Condition, type: ErrorType? = nil, text: String? = nil, by: JID? = nil) {
        self.condition = condition
        self.type = type ?? condition.defaultType
        self.text = text
        self.by = by
    }

    /// Reads the `<error/>` child of an error stanza; `nil` if it has none
    /// or its condition is unknown to Trestle.
    public init?(from stanza: XMPPElement) {
        guard let error = stanza.child("error"),
              let conditionElement = error.child(inNamespace: XMPPNamespace.stanzas),
              let condition = Condition(rawValue: conditionElement.name) else { return nil }
        self.init(
            condition,
            type: error.attribute("type").flatMap(ErrorType.init),
            text: error.child("text", namespace: XMPPNamespace.stanzas)?.text,
            by: error.attribute("by").flatMap(JID.init))
    }

    /// The `<error/>` element.
    public var element: XMPPElement {
        var error = XMPPElement("error", namespace: XMPPNamespace.component,
                                ["type": type.rawValue, "by": by?.description])
        error.append(XMPPElement(condition.rawValue, namespace: XMPPNamespace.stanzas))
        if let text {
            error.append(XMPPElement("text", namespace: XMPPNamespace.stanzas, text: text))
        }
        return error
    }

    /// The error stanza answering `stanza`: same kind and id, addresses
    /// swapped, `type='error'`. `nil` when `stanza` is itself an error, which
    /// is never answered (RFC 6120 §8.3.1), or has no sender to answer.
    public func reply(to stanza: XMPPElement) -> XMPPElement? {
        guard !stanza.isErrorStanza, let sender = stanza.attribute("from") else { return nil }
        var reply = XMPPElement(stanza.name, namespace: stanza.namespace,
                                ["from": stanza.attribute("to"), "to": sender, "type": "error", "id": stanza.attribute("id")])
        reply.append(element)
        return reply
    }

    public var description: String {
        "\(condition.rawValue) (\(type.rawValue))" + (text.map { ": \($0)" } ?? "")
    }
}
