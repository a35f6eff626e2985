import BridgeKit
import Hummingbird
import Logging
import NIOCore
import XMPPCore
import XMPPRooms

/// `GET /avatar/<sha1>`: the picture of an XMPP user, kept by its hash
/// (`XMPPAvatars`), for the other networks that show it by link (a Matrix
/// puppet's avatar, an outgoing webhook's `icon_url`). 404 for a hash not
/// kept.
///
/// Pictures are addressed by the hash of their bytes, so a link serves one
/// picture forever (cached as immutable) and cannot be guessed without
/// knowing the picture; only the types `XMPPAvatars` keeps are served, with
/// `nosniff`, so a picture can never be taken for a page.
enum AvatarRoute {
    static func add(to router: Hummingbird.Router<BasicRequestContext>, store: any BridgeStore, logger: Logger) {
        router.get("/avatar/:hash") { _, context -> Response in
            let hash = context.parameters.get("hash") ?? ""
            guard VCardPicture.hash(hash) == hash else {
                return notFound()
            }
            let picture: XMPPAvatars.Picture?
            do {
                picture = try await XMPPAvatars.picture(hash, in: store)
            } catch {
                logger.error("cannot read a kept avatar", metadata: ["hash": "\(hash)", "error": "\(error)"])
                return Response(status: .internalServerError)
            }
            guard let picture else { return notFound() }
            var headers: HTTPFields = [.contentType: picture.type, .cacheControl: "public, max-age=31536000, immutable"]
            if let nosniff = HTTPFields.Element.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: picture.bytes)))
        }
    }

    private static func notFound() -> Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "no such picture\n")))
    }
}
