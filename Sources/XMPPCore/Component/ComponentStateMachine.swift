import XMLStream

/// The XEP-0114 protocol as a value: events in, one action out.
///
/// Keeping the protocol apart from the sockets lets every transition be
/// tested as a table, and leaves the connection code with nothing to decide:
/// it performs the action it is handed. Events are named for what happened,
/// actions for what to do.
public struct ComponentStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case awaitingConnection, awaitingStreamHeader, awaitingHandshakeResult, ready, closing, closed
    }

    public enum Action: Sendable, Equatable {
        /// Write these bytes.
        case send(String)
        /// The handshake succeeded: the component may now send and receive stanzas.
        case becomeReady
        /// Hand this stanza to the component's dispatcher.
        case deliver(XMPPElement)
        /// Write these bytes (a stream error, the stream's end), then close.
        case sendAndClose(String, ComponentFailure)
        /// Close the connection; `nil` when this was an orderly close.
        case close(ComponentFailure?)
        /// Nothing to do.
        case none
    }

    public let domain: String
    private let secret: String
    public private(set) var state: State = .awaitingConnection

    public init(domain: String, secret: String) {
        self.domain = domain
        self.secret = secret
    }

    /// The TCP connection is open: open the stream.
    public mutating func connected() -> Action {
        guard state == .awaitingConnection else { return .none }
        state = .awaitingStreamHeader
        return .send(
            "<?xml version='1.0'?><stream:stream xmlns='\(XMPPNamespace.component)' "
                + "xmlns:stream='\(XMLNamespace.streams)' to='\(XMLSerializer.escapedAttribute(domain))'>")
    }

    /// The parser produced an event.
    public mutating func received(_ event: XMLStreamEvent) -> Action {
        switch (state, event) {
        case (.awaitingStreamHeader, .streamOpened(let header)):
            guard let id = header.attribute("id"), !id.isEmpty else {
                return fail(.protocolViolation("the stream header has no id"), streamError: "invalid-id")
            }
            state = .awaitingHandshakeResult
            let digest = ComponentHandshake.digest(streamID: id, secret: secret)
            return .send("<handshake>\(digest)</handshake>")
        case (.awaitingHandshakeResult, .stanza(let element)):
            if element.name == "handshake" && element.namespace == XMPPNamespace.component {
                state = .ready
                return .becomeReady
            }
            if let (condition, text) = Self.streamError(element) {
                state = .closed
                return .close(.handshakeRefused(condition: condition, text: text))
            }
            return fail(.protocolViolation("<\(element.name)/> before the handshake completed"), streamError: "not-authorized")
        case (.ready, .stanza(let element)), (.closing, .stanza(let element)):
            if let (condition, text) = Self.streamError(element) {
                state = .closed
                return .close(.streamError(condition: condition, text: text))
            }
            return .deliver(element)
        case (.closing, .streamClosed):
            state = .closed
            return .close(nil)
        case (.closed, _):
            return .none
        case (_, .streamClosed):
            state = .closed
            return .sendAndClose("</stream:stream>", .closedByServer)
        case (_, .streamOpened):
            return fail(.protocolViolation("a second stream header"), streamError: "invalid-xml")
        case (_, .stanza(let element)):
            if let (condition, text) = Self.streamError(element) {
                state = .closed
                return .close(.streamError(condition: condition, text: text))
            }
            return fail(.protocolViolation("<\(element.name)/> before the stream was open"), streamError: "invalid-xml")
        }
    }

    /// The parser refused the server's XML.
    public mutating func parseFailed(_ error: XMLStreamError) -> Action {
        fail(.invalidXML(error), streamError: error.condition.rawValue, text: error.detail)
    }

    /// The TCP connection ended without a closing tag.
    public mutating func connectionLost(_ reason: String) -> Action {
        let wasClosing = state == .closing
        state = .closed
        return .close(wasClosing ? nil : .network(reason))
    }

    /// Trestle is stopping: close the stream and wait for the server to close its half.
    public mutating func shutdownRequested() -> Action {
        switch state {
        case .ready:
            state = .closing
            return .send("</stream:stream>")
        case .closing, .closed:
            return .none
        default:
            state = .closed
            return .close(nil)
        }
    }

    private mutating func fail(_ failure: ComponentFailure, streamError condition: String, text: String? = nil) -> Action {
        state = .closed
        var error = "<stream:error><\(condition) xmlns='\(XMLNamespace.streamErrors)'/>"
        if let text {
            error += "<text xmlns='\(XMLNamespace.streamErrors)'>\(XMLSerializer.escapedText(text))</text>"
        }
        return .sendAndClose(error + "</stream:error></stream:stream>", failure)
    }

    /// The condition and text of a `<stream:error/>`, or `nil` for any other element.
    static func streamError(_ element: XMPPElement) -> (String, String?)? {
        guard element.name == "error", element.namespace == XMLNamespace.streams else { return nil }
        let condition = element.elements.first { $0.namespace == XMLNamespace.streamErrors && $0.name != "text" }
        let text = element.child("text", namespace: XMLNamespace.streamErrors)?.text
        return (condition?.name ?? "undefined-condition", text)
    }
}
