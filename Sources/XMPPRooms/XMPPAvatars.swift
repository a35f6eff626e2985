import BridgeKit
import Crypto
import Logging
import Synchronization
import XMLStream
import XMPPCore
import struct Foundation.Data

/// The pictures of XMPP users in bridged rooms, for the other networks:
/// a Matrix puppet's avatar, an outgoing webhook's `icon_url`, a plugin's
/// `avatar_url`. Other networks want a link, so each picture is kept in the
/// store and served by the HTTP endpoint at `<base>/avatar/<sha1>`; the
/// link goes with everything the user says (`Participant.avatarURL`).
///
/// - A user's presence to a room names their picture by hash (XEP-0153).
///   A hash not seen before is fetched once from the user's vCard
///   (XEP-0054) by the component; presences that name no hash change
///   nothing, `<photo/>` empty takes the picture away.
/// - Pictures are content-addressed by their SHA-1, so a changed picture
///   gets a new link and the other networks see the change; a link never
///   serves anything but the bytes it was made for.
/// - Kept: PNG, JPEG, GIF and WebP, at most `maxBytes`. Anything else
///   (SVG can carry scripts) is refused and logged, and the user goes on
///   without a picture.
/// - It never holds up a join or a message: the fetch runs beside them,
///   and until it is done the user's events carry no picture.
/// - A fetch that fails (no answer in 30 s, an error, no picture, too
///   large) is logged and not tried again for that hash until restart.
public final class XMPPAvatars: Sendable {
    /// The store scope the pictures are kept in, by hash.
    public static let scope = "xmpp.avatars"
    /// The largest picture kept, in bytes.
    public static let maxBytes = 128 * 1024
    /// The media types kept (and so served).
    public static let mediaTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    private let requests: IQRequests
    private let component: JID
    private let store: any BridgeStore
    private let baseURL: String
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Bare JID → the hash their presence names and, once kept, its link.
        var users: [String: (hash: String, url: String?)] = [:]
        /// Hashes kept in the store, as found since start.
        var kept: Set<String> = []
        /// Hashes being fetched or that failed (not asked for again).
        var tried: Set<String> = []
    }

    /// - Parameters:
    ///   - requests: where the component's own IQ requests go out.
    ///   - component: the component's JID, the requests' sender.
    ///   - baseURL: where the HTTP endpoint is reached (`http.public_url`,
    ///     or its own address); links are `<baseURL>/avatar/<sha1>`.
    public init(requests: IQRequests, component: JID, store: any BridgeStore, baseURL: String, logger: Logger) {
        self.requests = requests
        self.component = component
        self.store = store
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var logger = logger
        logger[metadataKey: "network"] = "xmpp"
        self.logger = logger
    }

    /// The link to the picture of the XMPP user `bare`, once kept.
    public func avatarURL(of bare: String) -> String? {
        state.withLock { $0.users[bare]?.url }
    }

    /// Reads the picture a presence names, starting its fetch when it is
    /// new. Returns at once.
    public func noticed(_ presence: XMPPElement) {
        guard let from = presence.from, presence.stanzaType == nil else { return }
        let user = from.bare.description
        switch VCardPicture.advertised(in: presence) {
        case .unknown:
            return
        case .none:
            state.withLock { $0.users[user] = ("", nil) }
        case .hash(let hash):
            let fetch = state.withLock { state -> Bool in
                if state.users[user]?.hash == hash { return false }
                let kept = state.kept.contains(hash)
                state.users[user] = (hash, kept ? link(hash) : nil)
                guard !kept, !state.tried.contains(hash) else { return false }
                state.tried.insert(hash)
                return true
            }
            if fetch { Task { await self.fetch(hash, of: from.bare) } }
        }
    }

    /// Waits until no fetch is running (for tests).
    public func settled() async {
        while requests.pendingCount > 0 { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private func link(_ hash: String) -> String { "\(baseURL)/avatar/\(hash)" }

    private func fetch(_ advertised: String, of user: JID) async {
        if (try? await store.setting(advertised, in: Self.scope)) != nil {
            kept(advertised, as: advertised, for: user)
            return
        }
        let answer = await requests.send(VCardPicture.request(id: requests.makeID(), from: component, to: user))
        guard let answer, answer.stanzaType == "result" else {
            let reason = answer.map { StanzaError(from: $0)?.condition.rawValue ?? "an error" } ?? "no answer in 30 s"
            logger.warning("xmpp avatar not fetched", metadata: ["user": "\(user)", "reason": "\(reason)"])
            return
        }
        guard let photo = VCardPicture.photo(inResult: answer) else {
            logger.info("xmpp avatar not fetched", metadata: ["user": "\(user)", "reason": "no picture in the vCard"])
            return
        }
        guard let picture = Picture(declaredType: photo.type, base64: photo.base64) else {
            logger.warning("xmpp avatar refused", metadata: [
                "user": "\(user)", "reason": "not PNG, JPEG, GIF or WebP at most \(Self.maxBytes) bytes"])
            return
        }
        let hash = picture.sha1
        do {
            try await store.saveSetting(picture.stored, for: hash, in: Self.scope)
        } catch {
            logger.error("xmpp avatar not kept", metadata: ["user": "\(user)", "error": "\(error)"])
            return
        }
        logger.info("xmpp avatar kept", metadata: [
            "user": "\(user)", "hash": "\(hash)", "type": "\(picture.type)", "bytes": "\(picture.bytes.count)"])
        kept(hash, as: advertised, for: user)
    }

    /// `hash` is in the store; the user whose presence named `advertised`
    /// (the same hash, unless their client computed it wrongly) gets its link.
    private func kept(_ hash: String, as advertised: String, for user: JID) {
        state.withLock { state in
            state.kept.insert(hash)
            state.kept.insert(advertised)
            for (key, entry) in state.users where entry.hash == advertised {
                state.users[key] = (advertised, link(hash))
            }
        }
    }

    /// A picture as kept in the store and served: media type and bytes.
    public struct Picture: Sendable, Equatable {
        public var type: String
        public var bytes: [UInt8]

        /// A picture from a vCard: the base64 text decoded (line breaks
        /// allowed), its type read from its first bytes (a vCard's `TYPE`
        /// is only trusted when the bytes say nothing). `nil` when it is
        /// not base64, too large, or not one of `mediaTypes`.
        public init?(declaredType: String, base64: String) {
            guard base64.utf8.count <= (XMPPAvatars.maxBytes / 3 + 1) * 4 * 2,
                  let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters),
                  !data.isEmpty, data.count <= XMPPAvatars.maxBytes else { return nil }
            let bytes = [UInt8](data)
            guard let type = Self.sniffedType(bytes) ?? (XMPPAvatars.mediaTypes.contains(declaredType) ? declaredType : nil)
            else { return nil }
            self.type = type
            self.bytes = bytes
        }

        /// A picture as `stored` holds it; `nil` when it is not one.
        public init?(stored: String) {
            guard let space = stored.firstIndex(of: " ") else { return nil }
            let type = String(stored[..<space])
            guard XMPPAvatars.mediaTypes.contains(type),
                  let data = Data(base64Encoded: String(stored[stored.index(after: space)...])) else { return nil }
            self.type = type
            self.bytes = [UInt8](data)
        }

        /// The form kept in the store: `<type> <base64>`.
        public var stored: String { "\(type) \(Data(bytes).base64EncodedString())" }

        /// The SHA-1 of the bytes in lower-case hex, as XEP-0153 names pictures.
        public var sha1: String {
            Insecure.SHA1.hash(data: bytes).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }

        /// The type the first bytes announce, among `mediaTypes`.
        static func sniffedType(_ bytes: [UInt8]) -> String? {
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
            if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
            if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return "image/gif" }
            if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
                return "image/webp"
            }
            return nil
        }
    }

    /// The picture kept under `hash`, for the HTTP endpoint.
    public static func picture(_ hash: String, in store: any BridgeStore) async throws -> Picture? {
        try await store.setting(hash, in: scope).flatMap(Picture.init(stored:))
    }
}
