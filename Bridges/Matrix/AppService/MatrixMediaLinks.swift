import Crypto
import Synchronization

/// The links other networks get for Matrix media: under the configured
/// public base URL (or the application service listener's own address),
/// `<base>/_trestle/media/<server>/<id>/<signature>`.
///
/// The signature (HMAC-SHA256 of `server/id` with a key derived from the
/// as_token, 16 bytes in hex) makes links for media seen in bridged rooms
/// work, across restarts, while refusing every other media id: without it
/// Trestle would fetch, with its own token, anything the homeserver can
/// reach (other servers' media included) for anyone who asks.
final class MatrixMediaLinks: Sendable {
    let base: String?
    let host: String
    let configuredPort: Int
    private let key: SymmetricKey
    private let actualPort: Mutex<Int?> = Mutex(nil)

    init(configuration: MatrixConfiguration) {
        base = configuration.mediaBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        host = configuration.host
        configuredPort = configuration.port
        key = SymmetricKey(data: SHA256.hash(data: Array("trestle matrix media\u{0}\(configuration.asToken)".utf8)))
    }

    var port: Int? { actualPort.withLock { $0 } }

    func listening(on port: Int) {
        actualPort.withLock { $0 = port }
    }

    /// The link for `mxc://server/id`.
    func link(_ server: String, _ id: String) -> String {
        let prefix = base ?? "http://\(host):\(port ?? configuredPort)"
        return prefix + MatrixAppServiceServer.mediaPathPrefix + MatrixClient.encode(server) + "/"
            + MatrixClient.encode(id) + "/" + signature(server, id)
    }

    /// Whether `url` is a media link of this bridge (signature aside).
    func isOwn(_ url: String) -> Bool {
        let prefix = base ?? "http://\(host):\(port ?? configuredPort)"
        return url.hasPrefix(prefix + MatrixAppServiceServer.mediaPathPrefix)
    }

    /// The link for the avatar `mxc://server/id`: its small thumbnail.
    func avatarLink(_ server: String, _ id: String) -> String {
        link(server, id) + "?avatar"
    }

    /// Whether `signature` is the one this bridge gives `server/id`, in constant time.
    func verify(_ server: String, _ id: String, signature candidate: String) -> Bool {
        let expected = Array(signature(server, id).utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }

    private func signature(_ server: String, _ id: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(server)/\(id)".utf8), using: key)
        return hexadecimal(Array(mac).prefix(16))
    }
}
