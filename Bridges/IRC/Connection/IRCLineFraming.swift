import NIOCore

/// Cuts the bytes a server sends into lines, so the client never has to
/// look for line ends itself, and refuses to buffer without bound: a line
/// longer than `maximumLineBytes` is discarded up to its end (and counted)
/// instead of growing memory until the server stops.
///
/// Lines are handed on without their CR LF; empty lines are skipped.
public struct IRCLineFraming: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    /// IRCv3 tags (4,096 bytes) plus an RFC 1459 message (512 bytes).
    public static let defaultMaximumLineBytes = IRCMessage.Limits.tagBytes + IRCMessage.Limits.messageBytes

    public let maximumLineBytes: Int
    /// Lines dropped for being too long, since the connection opened.
    public private(set) var discardedLines = 0
    private var discarding = false

    public init(maximumLineBytes: Int = Self.defaultMaximumLineBytes) {
        self.maximumLineBytes = maximumLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = nextLine(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its line end is still a line.
        if let line = nextLine(&buffer) {
            context.fireChannelRead(Self.wrapInboundOut(line))
            return .continue
        }
        if seenEOF, buffer.readableBytes > 0, !discarding, let rest = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(Self.wrapInboundOut(rest))
        }
        return .needMoreData
    }

    /// The next complete line in `buffer` (consumed), or nil when more bytes are needed.
    mutating func nextLine(_ buffer: inout ByteBuffer) -> ByteBuffer? {
        while true {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > maximumLineBytes {
                    // Too long already: drop what we have and the rest of the line.
                    if !discarding { discardedLines += 1 }
                    discarding = true
                    buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                }
                return nil
            }
            var length = newline - buffer.readerIndex
            let endsWithCR = length > 0 && buffer.getInteger(at: newline - 1, as: UInt8.self) == UInt8(ascii: "\r")
            if discarding || length - (endsWithCR ? 1 : 0) > maximumLineBytes {
                if !discarding { discardedLines += 1 }
                discarding = false
                buffer.moveReaderIndex(to: newline + 1)
                continue
            }
            if endsWithCR { length -= 1 }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(to: newline + 1)
            if line.readableBytes == 0 { continue }
            return line
        }
    }
}
