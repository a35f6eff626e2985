import Foundation
import BridgeKit
import Logging
import Synchronization

/// Gives participants from other networks their Matrix users: registers
/// a puppet on first use (`m.login.application_service`; an existing one
/// is fine), keeps its display name in step with the participant's, and
/// brings it into a room (joining, or being invited by the bot first when
/// the room is not public). Its avatar follows the participant's picture
/// where they have one (`MatrixAvatars`).
///
/// What was done is remembered in memory only: after a restart each step
/// is done once more, which the homeserver takes as a no-op.
final class MatrixPuppets: Sendable {
    let client: MatrixClient
    let names: MatrixNames
    let logger: Logger
    let avatars: MatrixAvatars?
    private let state = Mutex(State())

    private struct State {
        var registered: Set<String> = []
        var displayNames: [String: String] = [:]
        /// Puppet → the participant's display name as last given (before
        /// `displayName(_:)`): an unchanged one needs no work at all.
        var givenNames: [String: String] = [:]
        /// "room\u{0}user" for every puppet known to be in a room.
        var joined: Set<String> = []
    }

    init(client: MatrixClient, names: MatrixNames, logger: Logger, avatars: MatrixAvatars? = nil) {
        self.client = client
        self.names = names
        self.logger = logger
        self.avatars = avatars
    }

    /// The puppet's user id for `participant`, registered and named.
    func user(for participant: Participant) async throws(MatrixClientError) -> String {
        let userID = names.puppetUserID(for: participant.key)
        try await register(userID)
        if state.withLock({ $0.givenNames[userID] }) != participant.displayName {
            let name = Self.displayName(participant)
            if state.withLock({ $0.displayNames[userID] }) != name {
                try await client.request(.PUT, "/_matrix/client/v3/profile/\(MatrixClient.encode(userID))/displayname",
                                         as: userID, body: ["displayname": .string(name)])
                state.withLock { $0.displayNames[userID] = name }
            }
            state.withLock { $0.givenNames[userID] = participant.displayName }
        }
        avatars?.update(userID, to: participant.avatarURL)
        return userID
    }

    /// Registers `userID` (a puppet) unless that was done already.
    func register(_ userID: String) async throws(MatrixClientError) {
        guard !state.withLock({ $0.registered.contains(userID) }), let localpart = names.localpart(of: userID) else {
            return
        }
        do throws(MatrixClientError) {
            try await client.request(.POST, "/_matrix/client/v3/register", body: [
                "type": "m.login.application_service", "username": .string(localpart), "inhibit_login": true,
            ])
            logger.info("matrix puppet registered", metadata: ["user": "\(userID)"])
        } catch let error where error.errcode == "M_USER_IN_USE" {
            // Registered before (another run of Trestle): fine.
        }
        state.withLock { _ = $0.registered.insert(userID) }
    }

    /// Makes sure `userID` is in `room`.
    func join(_ userID: String, to room: String) async throws(MatrixClientError) {
        let key = room + "\u{0}" + userID
        guard !state.withLock({ $0.joined.contains(key) }) else { return }
        let path = "/_matrix/client/v3/join/\(MatrixClient.encode(room))"
        do throws(MatrixClientError) {
            try await client.request(.POST, path, as: userID, body: [:])
        } catch let error where error.status == 403 && userID != names.botUserID {
            // Not public: the bot invites, then the puppet joins.
            try await client.request(.POST, "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/invite",
                                     as: names.botUserID, body: ["user_id": .string(userID)])
            try await client.request(.POST, path, as: userID, body: [:])
        }
        state.withLock { _ = $0.joined.insert(key) }
    }

    /// `userID` left `room` (or should): forget it, and leave.
    func leave(_ userID: String, from room: String, reason: String?) async throws(MatrixClientError) {
        state.withLock { _ = $0.joined.remove(room + "\u{0}" + userID) }
        var body: MatrixJSON = [:]
        if let reason { body["reason"] = .string(reason) }
        try await client.request(.POST, "/_matrix/client/v3/rooms/\(MatrixClient.encode(room))/leave", as: userID, body: body)
    }

    /// Whether `userID` is known to be in `room`.
    func isJoined(_ userID: String, in room: String) -> Bool {
        state.withLock { $0.joined.contains(room + "\u{0}" + userID) }
    }

    /// Records that `userID` is in `room` (seen in a membership event).
    func noteJoined(_ userID: String, in room: String) {
        state.withLock { _ = $0.joined.insert(room + "\u{0}" + userID) }
    }

    /// Forgets that `userID` is in `room` (kicked, or left on its own).
    func noteLeft(_ userID: String, from room: String) {
        state.withLock { _ = $0.joined.remove(room + "\u{0}" + userID) }
    }

    /// The name a puppet shows: the participant's, or their id without one.
    static func displayName(_ participant: Participant) -> String {
        let name = participant.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        return String((name.isEmpty ? participant.id : name).prefix(200))
    }
}
