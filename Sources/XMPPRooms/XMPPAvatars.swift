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
///   large, not the picture the hash names) is logged and not tried again
///   for that user and hash until restart.
///
/// The other way round, participants from other networks who come with a
/// picture link (`Participant.avatarURL`: a Matrix user's avatar, a
/// webhook's `icon_url`) get it shown in the rooms: the picture is fetched
/// once per link (`fetchPicture`), kept here by hash the same way, named in
/// their occupant's presence and served as their occupant's vCard.
public final class XMPPAvatars: Sendable {
    /// Fetches the picture at an http(s) URL, at most `limit` bytes: its
    /// declared media type and bytes, or `nil` when it cannot be had.
    public typealias PictureFetcher = @Sendable (_ url: String, _ limit: Int) async -> (type: String?, bytes: [UInt8])?

    /// The store scope the pictures are kept in, by hash.
    public static let scope = "xmpp.avatars"
    /// The store scope where a remote participant's picture link is mapped
    /// to the hash of what it served, so a restart fetches nothing again.
    public static let sourceScope = "xmpp.avatar-sources"
    /// The largest picture kept, in bytes.
    public static let maxBytes = 128 * 1024
    /// The media types kept (and so served).
    public static let mediaTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    private let requests: IQRequests
    private let component: JID
    private let store: any BridgeStore
    private let baseURL: String
    private let logger: Logger
    private let fetchPicture: PictureFetcher?
    private let remoteHandler = Mutex<(@Sendable (ParticipantKey, String) async -> Void)?>(nil)
    private let state = Mutex(State())

    private struct State {
        /// Remote participant → the picture link they came with.
        var remote: [ParticipantKey: String] = [:]
        /// Picture link → the hash of the picture it served, once kept.
        var sources: [String: String] = [:]
        /// Links being fetched, or that failed (not fetched again).
        var fetching: Set<String> = []
        /// Bare JID → the hash their presence names (`""`: no picture). Its
        /// link is given once the hash is in `kept`.
        var users: [String: String] = [:]
        /// Hashes kept in the store, as found since start.
        var kept: Set<String> = []
        /// "user hash" pairs being fetched or that failed: each user is asked
        /// once per hash, so no one can block a picture for others.
        var tried: Set<String> = []
        /// Fetches running (for `settled`).
        var running = 0
        /// Remote pictures being fetched now (at most `remoteFetchLimit`).
        var remoteRunning = 0
    }

    /// Past this many users, pairs tried or links fetched, that table
    /// starts afresh (at worst a picture is fetched again).
    static let tableLimit = 50_000
    /// Remote pictures fetched at once; a link past that is fetched when
    /// its participant next shows up.
    static let remoteFetchLimit = 8

    /// - Parameters:
    ///   - requests: where the component's own IQ requests go out.
    ///   - component: the component's JID, the requests' sender.
    ///   - baseURL: where the HTTP endpoint is reached (`http.public_url`,
    ///     or its own address); links are `<baseURL>/avatar/<sha1>`.
    ///   - fetchPicture: how remote participants' pictures are fetched;
    ///     nil: they show none.
    public init(requests: IQRequests, component: JID, store: any BridgeStore, baseURL: String, logger: Logger,
                fetchPicture: PictureFetcher? = nil) {
        self.fetchPicture = fetchPicture
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
        state.withLock { state in state.users[bare].flatMap { state.kept.contains($0) ? link($0) : nil } }
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
            state.withLock { $0.users[user] = "" }
        case .hash(let hash):
            let fetch = state.withLock { state -> Bool in
                if state.users[user] == hash { return false }
                let kept = state.kept.contains(hash)
                if state.users.count >= Self.tableLimit { state.users.removeAll() }
                state.users[user] = hash
                guard !kept else { return false }
                if state.tried.count >= Self.tableLimit { state.tried.removeAll() }
                guard state.tried.insert(user + " " + hash).inserted else { return false }
                state.running += 1
                return true
            }
            if fetch {
                Task {
                    await self.fetch(hash, of: from.bare)
                    self.state.withLock { $0.running -= 1 }
                }
            }
        }
    }

    // MARK: Remote participants' pictures

    /// Whom to tell when a remote participant's picture is kept (the hash),
    /// after `pictureHash(of:)` had none yet.
    public func onRemotePicture(_ handler: @escaping @Sendable (ParticipantKey, String) async -> Void) {
        remoteHandler.withLock { $0 = handler }
    }

    /// The hash of the picture `participant` (from another network) comes
    /// with, when it is kept; otherwise `nil`, and the fetch starts (once
    /// per link), ending in `onRemotePicture`.
    public func pictureHash(of participant: Participant) -> String? {
        guard fetchPicture != nil, let url = participant.avatarURL, url.utf8.count <= 2048,
              url.hasPrefix("https://") || url.hasPrefix("http://") else { return nil }
        // One of ours (an XMPP user of a room bridged with this one): kept already.
        let own = baseURL + "/avatar/"
        if url.hasPrefix(own), let hash = VCardPicture.hash(String(url.dropFirst(own.count))) { return hash }
        let (hash, start) = state.withLock { state -> (String?, Bool) in
            if state.remote.count >= Self.tableLimit { state.remote.removeAll() }
            if state.sources.count >= Self.tableLimit { state.sources.removeAll() }
            if state.fetching.count >= Self.tableLimit { state.fetching.removeAll() }
            state.remote[participant.key] = url
            if let hash = state.sources[url] { return (hash, false) }
            guard !state.fetching.contains(url), state.remoteRunning < Self.remoteFetchLimit else { return (nil, false) }
            state.fetching.insert(url)
            state.running += 1
            state.remoteRunning += 1
            return (nil, true)
        }
        if start {
            Task {
                await self.fetchRemote(url, for: participant.key)
                self.state.withLock { state in
                    state.running -= 1
                    state.remoteRunning -= 1
                }
            }
        }
        return hash
    }

    private func fetchRemote(_ url: String, for participant: ParticipantKey) async {
        if let hash = try? await store.setting(url, in: Self.sourceScope),
           (try? await store.setting(hash, in: Self.scope)) != nil {
            await remoteKept(url, as: hash)
            return
        }
        guard let fetchPicture, let fetched = await fetchPicture(url, Self.maxBytes) else {
            logger.warning("remote avatar not fetched", metadata: ["participant": "\(participant)"])
            return
        }
        guard let picture = Picture(bytes: fetched.bytes) else {
            logger.warning("remote avatar refused", metadata: [
                "participant": "\(participant)", "reason": "not PNG, JPEG, GIF or WebP at most \(Self.maxBytes) bytes"])
            return
        }
        let hash = picture.sha1
        do {
            try await store.saveSetting(picture.stored, for: hash, in: Self.scope)
            try await store.saveSetting(hash, for: url, in: Self.sourceScope)
        } catch {
            logger.error("remote avatar not kept", metadata: ["participant": "\(participant)", "error": "\(error)"])
            return
        }
        logger.info("remote avatar kept", metadata: [
            "participant": "\(participant)", "hash": "\(hash)", "type": "\(picture.type)", "bytes": "\(picture.bytes.count)"])
        await remoteKept(url, as: hash)
    }

    /// The picture at `url` is kept as `hash`: everyone who came with that
    /// link is shown with it.
    private func remoteKept(_ url: String, as hash: String) async {
        let (participants, handler) = state.withLock { state in
            state.sources[url] = hash
            state.kept.insert(hash)
            return (state.remote.filter { $0.value == url }.map(\.key), remoteHandler.withLock { $0 })
        }
        guard let handler else { return }
        for participant in participants { await handler(participant, hash) }
    }

    /// Waits until no fetch is running (for tests).
    public func settled() async {
        while state.withLock({ $0.running > 0 }) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private func link(_ hash: String) -> String { "\(baseURL)/avatar/\(hash)" }

    private func fetch(_ advertised: String, of user: JID) async {
        if (try? await store.setting(advertised, in: Self.scope)) != nil {
            kept(advertised)
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
        guard let picture = Picture(base64: photo.base64) else {
            logger.warning("xmpp avatar refused", metadata: [
                "user": "\(user)", "reason": "not PNG, JPEG, GIF or WebP at most \(Self.maxBytes) bytes"])
            return
        }
        // The hash names the bytes (XEP-0153): a picture that is not the one
        // advertised is never filed under that hash, or anyone could put
        // their picture on someone else's.
        guard picture.sha1 == advertised else {
            logger.warning("xmpp avatar refused", metadata: [
                "user": "\(user)", "reason": "the vCard's picture is not the one the presence names"])
            return
        }
        do {
            try await store.saveSetting(picture.stored, for: advertised, in: Self.scope)
        } catch {
            logger.error("xmpp avatar not kept", metadata: ["user": "\(user)", "error": "\(error)"])
            return
        }
        logger.info("xmpp avatar kept", metadata: [
            "user": "\(user)", "hash": "\(advertised)", "type": "\(picture.type)", "bytes": "\(picture.bytes.count)"])
        kept(advertised)
    }

    /// The picture `hash` names is in the store: everyone whose presence
    /// names it has its link from now on.
    private func kept(_ hash: String) {
        state.withLock { _ = $0.kept.insert(hash) }
    }

    /// A picture as kept in the store and served: media type and bytes.
    public struct Picture: Sendable, Equatable {
        public var type: String
        public var bytes: [UInt8]

        /// A picture from a vCard: the base64 text decoded (line breaks
        /// allowed), its type read from its first bytes (a declared type is
        /// never trusted). `nil` when it is not base64, too large, or its
        /// bytes are not one of `mediaTypes`.
        public init?(base64: String) {
            guard base64.utf8.count <= (XMPPAvatars.maxBytes / 3 + 1) * 4 * 2,
                  let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else { return nil }
            self.init(bytes: [UInt8](data))
        }

        /// A picture from its bytes, on the same terms.
        public init?(bytes: [UInt8]) {
            guard !bytes.isEmpty, bytes.count <= XMPPAvatars.maxBytes else { return nil }
            // The bytes say what they are; a declared type is not trusted.
            guard let type = Self.sniffedType(bytes) else { return nil }
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
        public var stored: String { "\(type) \(base64)" }

        /// The bytes in base64, as a vCard carries them.
        public var base64: String { Data(bytes).base64EncodedString() }

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
