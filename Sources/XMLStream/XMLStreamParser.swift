import CExpat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an XMPP stream incrementally: bytes in, `XMLStreamEvent`s out.
///
/// Bytes may be split anywhere (inside a tag, inside a UTF-8 sequence); each
/// `feed` returns the events completed so far. The parser owns one expat
/// parser, created namespace-aware and forced to UTF-8. Its C callbacks only
/// build the current stanza's tree and append finished events; nothing else
/// runs inside expat, so callers never re-enter it.
///
/// RFC 6120 §11 is enforced: a DTD, comment, processing instruction or
/// undeclared entity ends the stream with `restricted-xml`; malformed input
/// with `not-well-formed`; a stanza beyond `XMLStreamLimits` with
/// `policy-violation`, cut off before expat ever sees the excess (expat 2.5
/// rescans an unfinished token from its start on every call, so a huge token
/// dribbled in small pieces would otherwise cost quadratic CPU).
///
/// After an error the parser is spent: every later `feed` throws the same
/// error. A new stream (after a reconnect) takes a new parser. Not thread-safe
/// and not `Sendable`: one parser belongs to one connection's task.
public final class XMLStreamParser {
    public let limits: XMLStreamLimits

    private let parser: XML_Parser
    private var names: NameTable
    private var stack: [XMPPElement] = []
    private var text: [UInt8] = []
    private var depth = 0
    private var events: [XMLStreamEvent] = []
    private var failure: XMLStreamError?
    /// Bytes handed to expat so far, and the stream offset where the current
    /// (unfinished) stanza began; their difference is what the size limit counts.
    private var bytesFed = 0
    private var stanzaStart = 0
    /// Where the last start tag ended, for empty elements (`<presence/>`),
    /// whose end event expat reports with a byte count of zero.
    private var lastStartTagEnd = 0

    private static let separator: UInt8 = 0x20

    public init(limits: XMLStreamLimits = XMLStreamLimits()) {
        self.limits = limits
        self.names = NameTable(separator: Self.separator)
        self.parser = XML_ParserCreateNS("UTF-8", XML_Char(bitPattern: Self.separator))
        installHandlers()
        Self.disableReparseDeferral(parser)
    }

    deinit {
        XML_ParserFree(parser)
    }

    /// Parses the next bytes of the stream and returns the events they completed.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        if let failure { throw failure }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
        var offset = 0
        while offset < bytes.count {
            let allowance = limits.maxStanzaBytes - (bytesFed - stanzaStart)
            guard allowance > 0 else {
                throw fail(.policyViolation, "stanza larger than \(limits.maxStanzaBytes) bytes")
            }
            let length = min(allowance, bytes.count - offset, Int(Int32.max))
            let status = XML_Parse(
                parser, base.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length), 0)
            let chunkStart = bytesFed
            bytesFed += length
            offset += length
            if let failure { throw failure }
            if status != XML_STATUS_OK {
                throw fail(expatError(chunk: UnsafeRawBufferPointer(rebasing: bytes[(offset - length)..<offset]),
                                      chunkStart: chunkStart))
            }
        }
        var finished: [XMLStreamEvent] = []
        swap(&finished, &events)
        return finished
    }

    /// Convenience for byte arrays.
    public func feed(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XMLStreamError) in try feed(buffer) }
        }
        return try result.get()
    }

    // MARK: - Failure

    @discardableResult
    private func fail(_ condition: XMLStreamError.Condition, _ detail: String) -> XMLStreamError {
        fail(XMLStreamError(condition, detail))
    }

    @discardableResult
    private func fail(_ error: XMLStreamError) -> XMLStreamError {
        if failure == nil {
            failure = error
            stack.removeAll()
            text.removeAll()
        }
        return failure!
    }

    /// Called from inside a callback: records the error and stops expat.
    private func abort(_ condition: XMLStreamError.Condition, _ detail: String) {
        fail(condition, detail)
        XML_StopParser(parser, XML_FALSE)
    }

    private func expatError(chunk: UnsafeRawBufferPointer, chunkStart: Int) -> XMLStreamError {
        let code = XML_GetErrorCode(parser)
        let reason = XML_ErrorString(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
        let position = "line \(XML_GetCurrentLineNumber(parser)), column \(XML_GetCurrentColumnNumber(parser))"
        if code == XML_ERROR_UNDEFINED_ENTITY || code == XML_ERROR_EXTERNAL_ENTITY_HANDLING {
            return XMLStreamError(.restrictedXML, "\(reason) at \(position)")
        }
        if code == XML_ERROR_INVALID_TOKEN || code == XML_ERROR_PARTIAL_CHAR {
            let index = Int(XML_GetCurrentByteIndex(parser)) - chunkStart
            if index >= 0 && index < chunk.count && !Self.isValidUTF8(chunk[index...]) {
                return XMLStreamError(.unsupportedEncoding, "invalid UTF-8 at \(position)")
            }
        }
        return XMLStreamError(.notWellFormed, "\(reason) at \(position)")
    }

    /// Whether the bytes from an error position on start with well-formed
    /// UTF-8 (a sequence cut by the chunk's end counts as well-formed).
    private static func isValidUTF8(_ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
        var iterator = bytes.prefix(8).makeIterator()
        var decoder = UTF8()
        switch decoder.decode(&iterator) {
        case .error: return bytes.count < 4 && bytes.first.map { $0 >= 0xC2 && $0 <= 0xF4 } == true
        default: return true
        }
    }

    // MARK: - Callbacks (run inside XML_Parse)

    private func startElement(_ rawName: UnsafePointer<CChar>, _ rawAttributes: UnsafeMutablePointer<UnsafePointer<CChar>?>) {
        if failure != nil { return }
        depth += 1
        if depth > limits.maxDepth {
            abort(.policyViolation, "elements nested deeper than \(limits.maxDepth)")
            return
        }
        let name = names.name(rawName)
        var attributes: [XMLAttribute] = []
        var index = 0
        while let attributeName = rawAttributes[index], let value = rawAttributes[index + 1] {
            let qualified = names.name(attributeName)
            attributes.append(XMLAttribute(name: qualified.local, namespace: qualified.namespace, value: String(cString: value)))
            index += 2
        }
        lastStartTagEnd = Int(XML_GetCurrentByteIndex(parser)) + Int(XML_GetCurrentByteCount(parser))
        if depth == 1 {
            events.append(.streamOpened(XMLStreamHeader(name: name.local, namespace: name.namespace, attributes: attributes)))
            stanzaStart = lastStartTagEnd
            return
        }
        flushText()
        stack.append(XMPPElement(name: name.local, namespace: name.namespace, attributes: attributes))
    }

    private func endElement() {
        if failure != nil { return }
        depth -= 1
        if depth == 0 {
            events.append(.streamClosed)
            return
        }
        flushText()
        let element = stack.removeLast()
        if stack.isEmpty {
            events.append(.stanza(element))
            let count = Int(XML_GetCurrentByteCount(parser))
            stanzaStart = count == 0 ? lastStartTagEnd : Int(XML_GetCurrentByteIndex(parser)) + count
        } else {
            stack[stack.count - 1].children.append(.element(element))
        }
    }

    private func characters(_ bytes: UnsafePointer<CChar>, _ length: Int32) {
        if failure != nil { return }
        if depth <= 1 {
            // Whitespace between stanzas (keepalives): not part of any stanza.
            stanzaStart = Int(XML_GetCurrentByteIndex(parser)) + Int(XML_GetCurrentByteCount(parser))
            return
        }
        text.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: Int(length)))
    }

    private func flushText() {
        guard !text.isEmpty, !stack.isEmpty else { return }
        stack[stack.count - 1].children.append(.text(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }

    private func installHandlers() {
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER)
        XML_SetElementHandler(
            parser,
            { userData, name, attributes in
                XMLStreamParser.from(userData).startElement(name!, attributes!)
            },
            { userData, _ in
                XMLStreamParser.from(userData).endElement()
            })
        XML_SetCharacterDataHandler(parser) { userData, bytes, length in
            XMLStreamParser.from(userData).characters(bytes!, length)
        }
        XML_SetStartDoctypeDeclHandler(parser) { userData, _, _, _, _ in
            XMLStreamParser.from(userData).abort(.restrictedXML, "a DTD (<!DOCTYPE>) is not allowed in XMPP")
        }
        XML_SetEntityDeclHandler(parser) { userData, _, _, _, _, _, _, _, _ in
            XMLStreamParser.from(userData).abort(.restrictedXML, "an entity declaration is not allowed in XMPP")
        }
        XML_SetCommentHandler(parser) { userData, _ in
            XMLStreamParser.from(userData).abort(.restrictedXML, "a comment is not allowed in XMPP")
        }
        XML_SetProcessingInstructionHandler(parser) { userData, _, _ in
            XMLStreamParser.from(userData).abort(.restrictedXML, "a processing instruction is not allowed in XMPP")
        }
    }

    /// expat 2.6 (and Debian's patched 2.5.0) defers re-parsing an
    /// unfinished token until the buffered input has grown enough, to stop
    /// the quadratic rescans. On a chat stream that would hold a complete
    /// stanza back until the peer sends more bytes, which may be minutes
    /// later. Trestle caps stanza size itself before expat sees the bytes,
    /// so it switches deferral off wherever the library has the switch
    /// (looked up at run time, so older expat builds work too).
    private static func disableReparseDeferral(_ parser: XML_Parser) {
        typealias Setter = @convention(c) (XML_Parser?, XML_Bool) -> XML_Bool
        guard let symbol = dlsym(nil, "XML_SetReparseDeferralEnabled") else { return }
        _ = unsafeBitCast(symbol, to: Setter.self)(parser, XML_Bool(0))
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> XMLStreamParser {
        Unmanaged<XMLStreamParser>.fromOpaque(userData!).takeUnretainedValue()
    }
}
