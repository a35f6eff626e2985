import BridgeKit
import Foundation
import Logging
import NIOCore
import Synchronization

/// Gives puppets their participant's picture. A participant from another
/// network may come with an avatar URL (a webhook post's `icon_url`, a
/// plugin's `avatar_url`); Matrix wants an `mxc://` URI on the homeserver.
/// So the picture is fetched once (`http`/`https` only, at most
/// `maxBytes`, an `image/*` type), uploaded to the media repository, and
/// set as the puppet's `avatar_url`.
///
/// - Each source URL is uploaded once: its `mxc://` URI is kept in the
///   store (scope `matrix.avatars`), so a restart does not upload again.
/// - A puppet's avatar is set only when it changes: the profile is read
///   first, since every change makes a membership event in each of the
///   puppet's rooms.
/// - It never holds up a message: the work runs beside the delivery, one
///   at a time per puppet, and a failure is logged once per source and
///   tried again only when the participant's URL changes.
final class MatrixAvatars: Sendable {
    /// The largest picture fetched; bigger ones are refused (and logged).
    static let maxBytes = 1024 * 1024
    static let scope = "matrix.avatars"

    private let client: MatrixClient
    private let store: any BridgeStore
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Puppet → the source URL last applied (or tried).
        var applied: [String: String] = [:]
        /// Source URL → mxc URI, as loaded from the store and since.
        var uploaded: [String: String]?
        var busy: Set<String> = []
    }

    init(client: MatrixClient, store: any BridgeStore, logger: Logger) {
        self.client = client
        self.store = store
        self.logger = logger
    }

    /// Starts giving `userID` the picture at `source`, unless it has it
    /// (or is being given one) already. Returns at once.
    func update(_ userID: String, to source: String?) {
        guard let source, source.hasPrefix("https://") || source.hasPrefix("http://") else { return }
        let start = state.withLock { state -> Bool in
            guard state.applied[userID] != source, !state.busy.contains(userID) else { return false }
            state.busy.insert(userID)
            state.applied[userID] = source
            return true
        }
        guard start else { return }
        Task {
            await apply(source, to: userID)
            state.withLock { _ = $0.busy.remove(userID) }
        }
    }

    /// Waits until no avatar work is running (for tests).
    func settled() async {
        while state.withLock({ !$0.busy.isEmpty }) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private func apply(_ source: String, to userID: String) async {
        do throws(MatrixClientError) {
            let uri = try await mxc(for: source)
            let path = "/_matrix/client/v3/profile/\(MatrixClient.encode(userID))/avatar_url"
            let current = try? await client.request(.GET, path, as: userID)
            if current?["avatar_url"].string == uri { return }
            try await client.request(.PUT, path, as: userID, body: ["avatar_url": .string(uri)])
            logger.info("matrix puppet avatar set", metadata: ["user": "\(userID)", "avatar": "\(uri)"])
        } catch {
            logger.warning("matrix puppet avatar not set", metadata: [
                "user": "\(userID)", "source": "\(source)", "error": "\(error)"])
        }
    }

    /// The mxc URI of the picture at `source`, uploading it the first time.
    private func mxc(for source: String) async throws(MatrixClientError) -> String {
        if let known = await uploaded()[source] { return known }
        let picture = try await client.fetch(source, limit: Self.maxBytes)
        let type = MatrixUploadedFile.mediaType(picture.contentType)
        guard type.hasPrefix("image/") else {
            throw MatrixClientError(status: nil, errcode: nil, message: "not a picture (\(type.isEmpty ? "no type" : type))")
        }
        let uri = try await client.upload(picture.bytes, contentType: type, filename: Self.filename(source))
        state.withLock { $0.uploaded?[source] = uri }
        do {
            try await store.saveSetting(uri, for: source, in: Self.scope)
        } catch {
            logger.warning("matrix avatar upload not remembered", metadata: ["source": "\(source)", "error": "\(error)"])
        }
        return uri
    }

    private func uploaded() async -> [String: String] {
        if let known = state.withLock({ $0.uploaded }) { return known }
        let loaded = (try? await store.settings(in: Self.scope)) ?? [:]
        return state.withLock { state in
            if state.uploaded == nil { state.uploaded = loaded }
            return state.uploaded ?? loaded
        }
    }

    /// The last path segment of `source` (no scheme, host or query), for
    /// the upload's file name; "avatar" when its path is empty.
    static func filename(_ source: String) -> String {
        let afterScheme = source.range(of: "://").map { source[$0.upperBound...] } ?? source[...]
        guard let slash = afterScheme.firstIndex(of: "/") else { return "avatar" }
        let path = afterScheme[slash...].split(separator: "?", maxSplits: 1).first ?? ""
        let last = path.split(separator: "/").last.map(String.init) ?? ""
        return last.isEmpty ? "avatar" : String(last.prefix(100))
    }
}
