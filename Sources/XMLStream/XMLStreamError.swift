/// Why the XML layer gave up on a stream, named by the RFC 6120 §4.9.3 stream
/// error condition the peer is owed before the stream is closed.
///
/// A stream whose XML cannot be trusted cannot be resynchronised, so every
/// one of these ends the stream; the component sends
/// `<stream:error><condition/></stream:error>` and reconnects.
public struct XMLStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stream error condition, e.g. `not-well-formed`.
    public var condition: Condition
    /// A human-readable explanation for the log (and the error's `<text/>`).
    public var detail: String

    public init(_ condition: Condition, _ detail: String) {
        self.condition = condition
        self.detail = detail
    }

    public var description: String { "\(condition.rawValue): \(detail)" }

    /// The subset of RFC 6120 stream error conditions the XML layer raises.
    public enum Condition: String, Sendable {
        /// Malformed XML (RFC 6120 §4.9.3.13).
        case notWellFormed = "not-well-formed"
        /// A DTD, comment, processing instruction or non-predefined entity
        /// reference, which RFC 6120 §11.1 forbids (§4.9.3.18).
        case restrictedXML = "restricted-xml"
        /// A stanza larger or deeper than the configured limits (§4.9.3.14).
        case policyViolation = "policy-violation"
        /// Bytes that are not UTF-8 (§4.9.3.22).
        case unsupportedEncoding = "unsupported-encoding"
    }
}
