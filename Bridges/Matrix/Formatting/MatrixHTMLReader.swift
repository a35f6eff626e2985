import BridgeKit
import CLibXML2

/// Reads the HTML of a Matrix message (`formatted_body`) into the common
/// rich-text form, with libxml2's HTML parser: it knows every named entity
/// and recovers from the tag soup clients really send (`<br>`, unclosed
/// `<p>`), which an XML parser would reject.
///
/// What the form has no place for keeps its text: headings and `<u>`
/// become plain text (headings bold), lists become lines starting with `•`
/// or their number, quotes lines starting with `> `. The reply fallback
/// (`<mx-reply>`) is dropped, and a pill (a link to
/// `https://matrix.to/#/@user:server`) becomes a mention of that user.
public struct MatrixHTMLReader: Sendable {
    /// HTML longer than this is not parsed: the plain `body` is used instead.
    public static let maxBytes = 65_536
    /// Elements nested deeper than this are read as their text only.
    static let maxDepth = 48

    /// Names the participant behind a user id (a puppet's original, or the Matrix user).
    let participant: @Sendable (String) -> ParticipantKey

    public init(participant: @escaping @Sendable (String) -> ParticipantKey) {
        xmlInitParser()
        self.participant = participant
    }

    /// The rich text of `html`; `nil` when it is too long or unreadable.
    public func read(_ html: String) -> RichText? {
        guard html.utf8.count <= Self.maxBytes else { return nil }
        let wrapped = Array(("<div>" + html + "</div>").utf8)
        let options = Int32(bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue)
        let document = wrapped.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                htmlReadMemory(pointer, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let document else { return nil }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return nil }
        var builder = Builder()
        children(of: root, into: &builder, depth: 0)
        return RichText(builder.finish())
    }

    /// Collects spans; block elements separate their content with line breaks.
    struct Builder {
        var spans: [RichText.Span] = []
        /// A line break is owed before the next content (a block ended).
        var breakOwed = false

        mutating func text(_ text: String) {
            guard !text.isEmpty else { return }
            payBreak()
            if case .text(let previous)? = spans.last {
                spans[spans.count - 1] = .text(previous + text)
            } else {
                spans.append(.text(text))
            }
        }

        mutating func append(_ span: RichText.Span) {
            payBreak()
            spans.append(span)
        }

        mutating func lineBreak() {
            breakOwed = false
            spans.append(.lineBreak)
        }

        /// A block starts or ends: content after it starts on a new line.
        mutating func block() {
            if !spans.isEmpty, spans.last != .lineBreak { breakOwed = true }
        }

        private mutating func payBreak() {
            if breakOwed {
                spans.append(.lineBreak)
                breakOwed = false
            }
        }

        /// The spans, with spaces at line ends and trailing breaks removed.
        func finish() -> [RichText.Span] {
            var result = spans
            while let last = result.last, last == .lineBreak || last == .text("") { result.removeLast() }
            if case .text(let text)? = result.last {
                result[result.count - 1] = .text(String(text.reversed().drop(while: { $0 == " " }).reversed()))
            }
            if case .text(let text)? = result.first {
                result[0] = .text(String(text.drop(while: { $0 == " " })))
            }
            return result.filter { $0 != .text("") }
        }
    }

    private func children(of node: xmlNodePtr, into builder: inout Builder, depth: Int) {
        var child = node.pointee.children
        while let current = child {
            visit(current, into: &builder, depth: depth + 1)
            child = current.pointee.next
        }
    }

    private func visit(_ node: xmlNodePtr, into builder: inout Builder, depth: Int) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            builder.text(Self.collapse(Self.content(of: node), after: builder.spans.last))
            return
        case XML_ELEMENT_NODE:
            break
        default:
            return
        }
        let name = String(cString: node.pointee.name).lowercased()
        if depth > Self.maxDepth {
            builder.text(Self.collapse(Self.textContent(of: node), after: builder.spans.last))
            return
        }
        switch name {
        case "mx-reply", "script", "style", "head", "title":
            return
        case "br":
            builder.lineBreak()
        case "b", "strong":
            builder.append(.bold(inner(node, depth)))
        case "i", "em", "cite":
            builder.append(.italic(inner(node, depth)))
        case "del", "s", "strike":
            builder.append(.strike(inner(node, depth)))
        case "code":
            builder.append(.code(Self.textContent(of: node)))
        case "pre":
            builder.block()
            var language: String?
            if let code = Self.firstElement(named: "code", in: node),
               let classes = Self.attribute("class", of: code) {
                language = classes.split(separator: " ").first { $0.hasPrefix("language-") }
                    .map { String($0.dropFirst("language-".count)) }
            }
            var text = Self.textContent(of: node)
            if text.hasSuffix("\n") { text.removeLast() }
            builder.append(.preformatted(text, language: language))
            builder.block()
        case "a":
            let href = Self.attribute("href", of: node) ?? ""
            let label = inner(node, depth)
            if let user = Self.pillUser(href) {
                var name = RichText(label).plainText
                if name.isEmpty { name = user }
                builder.append(.mention(participant(user), name: name))
            } else if href.isEmpty || !(href.hasPrefix("http://") || href.hasPrefix("https://") || href.hasPrefix("mailto:")) {
                // A link to something other than the web or mail keeps its text only.
                for span in label {
                    if case .text(let text) = span { builder.text(text) } else { builder.append(span) }
                }
            } else {
                builder.append(.link(url: href, label))
            }
        case "img":
            let alt = Self.attribute("alt", of: node) ?? Self.attribute("title", of: node) ?? ""
            builder.text(alt)
        case "h1", "h2", "h3", "h4", "h5", "h6":
            builder.block()
            builder.append(.bold(inner(node, depth)))
            builder.block()
        case "ul", "ol":
            builder.block()
            var number = Int(Self.attribute("start", of: node) ?? "") ?? 1
            var child = node.pointee.children
            while let item = child {
                if item.pointee.type == XML_ELEMENT_NODE, String(cString: item.pointee.name).lowercased() == "li" {
                    builder.block()
                    builder.text(name == "ol" ? "\(number). " : "• ")
                    number += 1
                    children(of: item, into: &builder, depth: depth + 1)
                }
                child = item.pointee.next
            }
            builder.block()
        case "blockquote":
            builder.block()
            var quoted = Builder()
            children(of: node, into: &quoted, depth: depth)
            builder.text("> ")
            for span in quoted.finish() {
                if span == .lineBreak {
                    builder.lineBreak()
                    builder.text("> ")
                } else {
                    builder.append(span)
                }
            }
            builder.block()
        case "p", "div", "li", "tr", "table", "hr", "details", "summary":
            builder.block()
            children(of: node, into: &builder, depth: depth)
            builder.block()
        default:
            children(of: node, into: &builder, depth: depth)
        }
    }

    private func inner(_ node: xmlNodePtr, _ depth: Int) -> [RichText.Span] {
        var builder = Builder()
        children(of: node, into: &builder, depth: depth)
        return builder.spans.last == .lineBreak ? Array(builder.spans.dropLast()) : builder.spans
    }

    /// The user id a pill links to (`https://matrix.to/#/@user:server`, possibly with `?via=`).
    static func pillUser(_ href: String) -> String? {
        for prefix in ["https://matrix.to/#/", "http://matrix.to/#/"] where href.hasPrefix(prefix) {
            var target = String(href.dropFirst(prefix.count))
            if let query = target.firstIndex(of: "?") { target = String(target[..<query]) }
            target = target.removingPercentEncodingSafely
            return target.hasPrefix("@") && target.contains(":") ? target : nil
        }
        if href.hasPrefix("matrix:u/") {
            let rest = href.dropFirst("matrix:u/".count).prefix { $0 != "?" }
            return "@" + rest
        }
        return nil
    }

    /// HTML whitespace: any run becomes one space, and none starts a line.
    static func collapse(_ text: String, after previous: RichText.Span?) -> String {
        var output = ""
        var lastWasSpace = previous == nil || previous == .lineBreak
            || { if case .text(let text)? = previous { text.last == " " } else { false } }()
        for character in text {
            if character == " " || character == "\n" || character == "\t" || character == "\r" {
                if !lastWasSpace { output.append(" ") }
                lastWasSpace = true
            } else {
                output.append(character)
                lastWasSpace = false
            }
        }
        return output
    }

    static func content(of node: xmlNodePtr) -> String {
        guard let content = node.pointee.content else { return "" }
        return String(cString: content)
    }

    static func textContent(of node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { trestle_xml_free(content) }
        return String(cString: content)
    }

    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        let value = name.withCString { xmlGetProp(node, UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
        guard let value else { return nil }
        defer { trestle_xml_free(value) }
        return String(cString: value)
    }

    static func firstElement(named name: String, in node: xmlNodePtr) -> xmlNodePtr? {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, String(cString: current.pointee.name).lowercased() == name {
                return current
            }
            child = current.pointee.next
        }
        return nil
    }
}

extension String {
    /// Percent-decoded, or unchanged when it is not valid percent-encoding.
    var removingPercentEncodingSafely: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? self
    }
}
