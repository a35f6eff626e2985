import XMLStream

/// Why a component connection ended, in words an operator can act on.
public enum ComponentFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused the handshake: `not-authorized` means the secret
    /// is wrong, `host-unknown` that the server has no such component.
    case handshakeRefused(condition: String, text: String?)
    /// The server ended an established stream with a stream error.
    case streamError(condition: String, text: String?)
    /// The server closed the stream (`</stream:stream>` or the TCP connection).
    case closedByServer
    /// The server sent XML Trestle could not accept; Trestle sent this stream error.
    case invalidXML(XMLStreamError)
    /// The server broke the protocol (e.g. a stanza before the handshake).
    case protocolViolation(String)
    /// The connection could not be made or broke (refused, reset, timed out).
    case network(String)

    public var description: String {
        switch self {
        case .handshakeRefused(let condition, let text):
            var line = "the XMPP server refused the component handshake: \(condition)"
            if let text, !text.isEmpty { line += " (\(text))" }
            switch condition {
            case "not-authorized": line += "; wrong component secret?"
            case "host-unknown", "improper-addressing":
                line += "; is the component's jid configured on the XMPP server?"
            case "conflict": line += "; another process is connected as this component"
            default: break
            }
            return line
        case .streamError(let condition, let text):
            return "the XMPP server ended the stream: \(condition)" + (text.map { " (\($0))" } ?? "")
        case .closedByServer:
            return "the XMPP server closed the stream"
        case .invalidXML(let error):
            return "the XMPP server sent XML that was refused: \(error)"
        case .protocolViolation(let what):
            return "the XMPP server broke the protocol: \(what)"
        case .network(let what):
            return "network error: \(what)"
        }
    }
}
