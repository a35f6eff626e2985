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
    private var builder: StanzaTreeBuilder

    private static let separator: UInt8 = 0x20

    public init(limits: XMLStreamLimits = XMLStreamLimits()) {
        self.limits = limits
        self.builder = StanzaTreeBuilder(limits: limits, separator: Self.separator)
        self.parser = XML_ParserCreateNS("UTF-8", XML_Char(bitPattern: Self.separator))
        installHandlers()
        Self.disableReparseDeferral(parser)
    }

    deinit {
        XML_ParserFree(parser)
    }

    /// Parses the next bytes of the stream and returns the events they completed.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        if let failure = builder.failure { throw failure }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
        var offset = 0
        while offset < bytes.count {
            let allowance = limits.maxStanzaBytes - (builder.bytesFed - builder.stanzaStart)
            guard allowance > 0 else {
                throw builder.fail(XMLStreamError(.policyViolation, "stanza larger than \(limits.maxStanzaBytes) bytes"))
            }
            let length = min(allowance, bytes.count - offset, Int(Int32.max))
            let status = XML_Parse(
                parser, base.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length), 0)
            let chunkStart = builder.bytesFed
            builder.bytesFed += length
            offset += length
            if let failure = builder.failure { throw failure }
            if status != XML_STATUS_OK {
                throw builder.fail(expatError(chunk: UnsafeRawBufferPointer(rebasing: bytes[(offset - length)..<offset]),
                                              chunkStart: chunkStart))
            }
        }
        var finished: [XMLStreamEvent] = []
        swap(&finished, &builder.events)
        return finished
    }

    /// Convenience for byte arrays.
    public func feed(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XMLStreamError) in try feed(buffer) }
        }
        return try result.get()
    }

    // MARK: - Errors

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

    private func installHandlers() {
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER)
        XML_SetElementHandler(
            parser,
            { userData, name, attributes in
                let this = XMLStreamParser.from(userData)
                this.builder.startElement(this.parser, name!, attributes!)
            },
            { userData, _ in
                let this = XMLStreamParser.from(userData)
                this.builder.endElement(this.parser)
            })
        XML_SetCharacterDataHandler(parser) { userData, bytes, length in
            let this = XMLStreamParser.from(userData)
            this.builder.characters(this.parser, bytes!, length)
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

    private func abort(_ condition: XMLStreamError.Condition, _ detail: String) {
        builder.abort(parser, condition, detail)
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> XMLStreamParser {
        Unmanaged<XMLStreamParser>.fromOpaque(userData!).takeUnretainedValue()
    }
}
