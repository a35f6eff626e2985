import CExpat

/// The work done inside expat's callbacks: building the current stanza's
/// tree and collecting finished events.
///
/// It is a struct held in one stored property of `XMLStreamParser`, so each
/// callback pays for one exclusive access to the parser object instead of
/// one per field it touches (Swift checks class-property access at run
/// time; the struct's own fields are checked at compile time).
struct StanzaTreeBuilder {
    let limits: XMLStreamLimits
    var names: NameTable
    var stack: [XMPPElement] = []
    var text: [UInt8] = []
    var depth = 0
    var events: [XMLStreamEvent] = []
    var failure: XMLStreamError?
    /// Bytes handed to expat so far, and the stream offset where the current
    /// (unfinished) stanza began; their difference is what the size limit counts.
    var bytesFed = 0
    var stanzaStart = 0
    /// Where the last start tag ended, for empty elements (`<presence/>`),
    /// whose end event expat reports with a byte count of zero.
    var lastStartTagEnd = 0

    init(limits: XMLStreamLimits, separator: UInt8) {
        self.limits = limits
        self.names = NameTable(separator: separator)
    }

    /// Records the first error; the tree built so far is dropped.
    @discardableResult
    mutating func fail(_ error: XMLStreamError) -> XMLStreamError {
        if failure == nil {
            failure = error
            stack.removeAll()
            text.removeAll()
        }
        return failure!
    }

    /// Records an error from inside a callback and stops expat.
    mutating func abort(_ parser: XML_Parser, _ condition: XMLStreamError.Condition, _ detail: String) {
        fail(XMLStreamError(condition, detail))
        XML_StopParser(parser, XML_Bool(0))
    }

    mutating func startElement(
        _ parser: XML_Parser, _ rawName: UnsafePointer<CChar>, _ rawAttributes: UnsafeMutablePointer<UnsafePointer<CChar>?>
    ) {
        if failure != nil { return }
        depth += 1
        if depth > limits.maxDepth {
            abort(parser, .policyViolation, "elements nested deeper than \(limits.maxDepth)")
            return
        }
        let name = names.name(rawName)
        var attributes: [XMLAttribute] = []
        var count = 0
        while rawAttributes[count] != nil { count += 2 }
        if count > 0 {
            attributes.reserveCapacity(count / 2)
            for index in stride(from: 0, to: count, by: 2) {
                let qualified = names.name(rawAttributes[index]!)
                attributes.append(XMLAttribute(
                    name: qualified.local, namespace: qualified.namespace, value: String(cString: rawAttributes[index + 1]!)))
            }
        }
        if depth <= 2 {
            lastStartTagEnd = Int(XML_GetCurrentByteIndex(parser)) + Int(XML_GetCurrentByteCount(parser))
        }
        if depth == 1 {
            events.append(.streamOpened(XMLStreamHeader(name: name.local, namespace: name.namespace, attributes: attributes)))
            stanzaStart = lastStartTagEnd
            return
        }
        flushText()
        stack.append(XMPPElement(name: name.local, namespace: name.namespace, attributes: attributes))
    }

    mutating func endElement(_ parser: XML_Parser) {
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

    mutating func characters(_ parser: XML_Parser, _ bytes: UnsafePointer<CChar>, _ length: Int32) {
        if failure != nil { return }
        if depth <= 1 {
            // Whitespace between stanzas (keepalives): not part of any stanza.
            stanzaStart = Int(XML_GetCurrentByteIndex(parser)) + Int(XML_GetCurrentByteCount(parser))
            return
        }
        bytes.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { start in
            text.append(contentsOf: UnsafeBufferPointer(start: start, count: Int(length)))
        }
    }

    private mutating func flushText() {
        guard !text.isEmpty, !stack.isEmpty else { return }
        stack[stack.count - 1].children.append(.text(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }
}
