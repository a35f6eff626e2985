import BridgeKit
import Hummingbird
import Logging
import NIOCore

/// `GET /text/<message id>`: the full text of one archived message, as
/// `text/plain; charset=utf-8`, for the link that ends a message cut for
/// length on IRC (`long_messages: link`). 404 for an id the archive does
/// not hold or holds without its text, and for every id when the archive
/// keeps no text (`store.archive: false`: what was stored before it was
/// turned off is not served either), 410 for a retracted message.
///
/// Anyone who has the link can read that one message, and nothing else:
/// message ids carry 80 random bits (`BridgeMessageID.random()`), so they
/// cannot be guessed or enumerated, and nothing lists them.
enum FullTextRoute {
    static func add(to router: Hummingbird.Router<BasicRequestContext>, store: any BridgeStore, servesText: Bool = true,
                    logger: Logger) {
        router.get("/text/:id") { _, context -> Response in
            guard servesText else { return plain(.notFound, "this bridge keeps no message text\n") }
            let id = context.parameters.get("id") ?? ""
            // Ids are hex; anything else cannot be one and is not looked up.
            guard !id.isEmpty, id.count <= 64, id.allSatisfy(\.isHexDigit) else { return plain(.notFound, "no such message\n") }
            let message: ArchivedMessage?
            do {
                message = try await store.archivedMessage(BridgeMessageID(id))
            } catch {
                logger.error("cannot read the archive for a full text", metadata: ["error": "\(error)"])
                return plain(.internalServerError, "the archive cannot be read\n")
            }
            guard let message else { return plain(.notFound, "no such message\n") }
            guard message.retracted == nil else { return plain(.gone, "this message was retracted\n") }
            guard !message.isUnkept else { return plain(.notFound, "this message's text is not kept\n") }
            return plain(.ok, message.content.text.plainText)
        }
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
