import BridgeKit
import Logging
import Synchronization
import XMLStream
import XMPPCore

/// The XMPP endpoint of bridged rooms: each room of this network is a MUC
/// room `name@component` that people join from their own clients.
///
/// Stanzas addressed to a room come in through `handle(_:)` (from the
/// component's dispatcher); the room (`MUCRoom`) answers what it can at
/// once and says what the router and the store must do. Messages are
/// reflected to their sender only after the router has stored them, with
/// the router's id as the XEP-0359 stanza id. Events from other networks
/// arrive through `deliver(_:)` and are shown to every XMPP occupant.
public final class XMPPAdapter: BridgeAdapter {
    public let network: NetworkID
    /// The component's domain; rooms are `name@domain`.
    public let domain: String
    private let send: @Sendable ([XMPPElement]) -> Void
    private let store: any BridgeStore
    private let occupantIDSecret: [UInt8]
    private let historyLimit: Int
    private let isArchived: Bool
    private let logger: Logger
    private let rooms = Mutex<[String: MUCRoom]>([:])
    private let roomIDs = Mutex<[String: BridgedRoomID]>([:])
    /// Configured moderators (bare JIDs) per room key, kept for rooms not open yet.
    private let roomModerators = Mutex<[String: Set<JID>]>([:])
    private let sink = Mutex<(any EventSink)?>(nil)
    /// One lock per room: joins and what is shown to the room take turns.
    private let gates = Mutex<[String: AsyncLock]>([:])
    /// Messages routed and waiting for their reflection, by reflection token.
    private let awaitingReflection = Mutex<[String: AwaitingReflection]>([:])
    private let tokens = Mutex<UInt64>(0)
    private let resolveRoom: (@Sendable (_ local: String) -> RoomOnDemand?)?
    private let avatars: XMPPAvatars?

    private struct AwaitingReflection {
        var pending: PendingReflection
        var room: String
        /// Reflections still to come back from the router.
        var remaining: Int
        var messageID: BridgeMessageID?
    }

    /// - Parameters:
    ///   - send: writes stanzas to the XMPP server (the component connection's outbox).
    ///   - store: where join history and MAM queries are read from.
    ///   - isArchived: whether the archive keeps what is said
    ///     (`store.archive`); without it rooms are not logged, and offer
    ///     neither history on join nor MAM.
    ///   - occupantIDSecret: the key XEP-0421 occupant ids are derived with;
    ///     keep it for the bridge's whole life so ids stay stable.
    ///   - resolveRoom: for a join to a room that does not exist, the room
    ///     to create from its name (`#chan%irc.example.org`), or nil.
    ///   - avatars: where users' pictures are fetched and linked from; nil:
    ///     XMPP users show no picture on other networks.
    public init(
        network: NetworkID = "xmpp", domain: String, store: any BridgeStore, occupantIDSecret: [UInt8],
        historyLimit: Int = 20, isArchived: Bool = true, logger: Logger,
        resolveRoom: (@Sendable (_ local: String) -> RoomOnDemand?)? = nil,
        avatars: XMPPAvatars? = nil,
        send: @escaping @Sendable ([XMPPElement]) -> Void
    ) {
        self.resolveRoom = resolveRoom
        self.avatars = avatars
        self.network = network
        self.domain = domain.lowercased()
        self.store = store
        self.occupantIDSecret = occupantIDSecret
        self.historyLimit = historyLimit
        self.isArchived = isArchived
        var logger = logger
        logger[metadataKey: "network"] = "\(network)"
        self.logger = logger
        self.send = send
        avatars?.onRemotePicture { [weak self] participant, hash in
            await self?.showPicture(hash, of: participant)
        }
    }

    /// The room address of an XMPP endpoint for a room named `name`.
    public func endpoint(named name: String) -> Endpoint {
        Endpoint(network: network, room: "\(name.lowercased())@\(domain)")
    }

    /// The rooms now open, for disco#items.
    public var roomJIDs: [JID] {
        rooms.withLock { $0.values.map(\.jid).sorted() }
    }

    /// Tells the adapter which bridged room an endpoint belongs to (the
    /// router opens endpoints by address only).
    /// `moderators` are the XMPP users (bare JIDs) who moderate that room
    /// (from their next join), as the configuration names them; `nil`
    /// leaves them as they are (a room linked at run time).
    public func assign(_ room: String, to id: BridgedRoomID, moderators: Set<JID>? = nil) {
        let key = room.lowercased()
        roomIDs.withLock { $0[key] = id }
        guard let moderators else { return }
        roomModerators.withLock { $0[key] = moderators }
        rooms.withLock { $0[key]?.moderators = moderators }
    }

    // MARK: - BridgeAdapter

    /// XMPP shows everything, and a MUC owes every sender its reflection.
    public func capabilities(in room: String) -> Capabilities { Capabilities.all.union(.reflection) }

    public func run(sink: any EventSink) async throws {
        self.sink.withLock { $0 = sink }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    public func open(_ room: String) async throws {
        guard let jid = JID(room), jid.local != nil, jid.domain == domain else {
            throw DeliveryError(retryable: false, "not a room of \(domain): \(room)")
        }
        let key = jid.bare.description
        let id = roomIDs.withLock { $0[key] } ?? BridgedRoomID(key)
        gates.withLock { gates in
            if gates[key] == nil { gates[key] = AsyncLock() }
        }
        rooms.withLock { rooms in
            if rooms[key] == nil {
                rooms[key] = MUCRoom(jid: jid, id: id, network: network, occupantIDSecret: occupantIDSecret,
                                     historyLimit: historyLimit, isArchived: isArchived)
                rooms[key]?.moderators = roomModerators.withLock { $0[key] } ?? []
            }
        }
        logger.info("room open", metadata: ["room": "\(key)"])
    }

    public func close(_ room: String) async {
        _ = rooms.withLock { $0.removeValue(forKey: room.lowercased()) }
    }

    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let key = delivery.endpoint.room.lowercased()
        guard let gate = gate(key) else { throw DeliveryError(retryable: false, "room \(key) is not open") }
        if delivery.isReflection {
            await reflected(delivery, in: key, gate: gate)
            return nil
        }
        let sender = delivery.event.sender
        let picture = sender.network == network ? nil : avatars?.pictureHash(of: sender)
        // Someone who shows up without a picture link has none (any more).
        let noPicture = avatars != nil && sender.network != network && sender.avatarURL == nil
            && delivery.event.payload.showsSender
        return await gate.withLock {
            let output = rooms.withLock { rooms -> RoomDelivery? in
                // A new picture first, so a joining participant's presence names it.
                var changed: [XMPPElement] = []
                if let picture {
                    changed = rooms[key]?.setPicture(picture, of: sender.key, beforeJoining: true) ?? []
                } else if noPicture {
                    changed = rooms[key]?.setPicture(nil, of: sender.key) ?? []
                }
                guard var output = rooms[key]?.deliver(delivery) else { return nil }
                rooms[key]?.forgetPictureUnlessPresent(sender.key)
                output.stanzas = changed + output.stanzas
                return output
            }
            if let output { send(output.stanzas) }
            return output?.remoteID
        }
    }

    private func gate(_ key: String) -> AsyncLock? {
        gates.withLock { $0[key] }
    }

    // MARK: - Stanzas from XMPP users

    /// Handles a stanza addressed to one of the rooms or their occupants.
    /// Returns `false` when it is not for a room this adapter serves.
    public func handle(_ stanza: XMPPElement) async -> Bool {
        guard let to = stanza.to, to.local != nil, to.domain == domain else { return false }
        let key = to.bare.description
        if rooms.withLock({ $0[key] == nil }) {
            guard await createOnDemand(to, for: stanza) else { return false }
        }
        guard let query = rooms.withLock({ $0[key].map { room in room.historyQuery(for: stanza) } }),
              let gate = gate(key) else {
            return false
        }
        let output: RoomOutput?
        if let query {
            // A join: the history and the joining are one step for the room.
            output = await gate.withLock {
                let history = (try? await store.archive(query).messages) ?? []
                let output = rooms.withLock { $0[key]?.handle(stanza, history: history) }
                if let output { send(output.stanzas) }
                return output
            }
        } else {
            output = rooms.withLock { $0[key]?.handle(stanza) }
            if let output { send(output.stanzas) }
        }
        guard let output else { return false }
        // Pictures of occupants only: a refused join fetches nothing.
        if let avatars, stanza.name == "presence", let from = stanza.from,
           rooms.withLock({ $0[key]?.occupant(session: from) != nil }) {
            avatars.noticed(stanza)
        }
        let sink = self.sink.withLock { $0 }
        for intent in output.intents {
            switch intent {
            case .event(let event):
                await sink?.route(withPicture(event))
            case .message(let pending):
                await reflect(pending, in: key, through: sink)
            case .archiveQuery(let request):
                await answer(request, in: key)
            case .occupantVCard(let iq, let hash):
                await answerVCard(iq, pictureHash: hash)
            case .removal(let event, let iq):
                await remove(event, answering: iq, in: key, through: sink)
            }
        }
        return true
    }

    /// A join to a room that does not exist yet but can be made on demand
    /// (an IRC channel addressed biboumi-style): the room is bridged through
    /// the router (and so remembered in the store), then opened here.
    private func createOnDemand(_ to: JID, for stanza: XMPPElement) async -> Bool {
        guard let local = to.local, StanzaKind(stanza) == .presence, Presence(stanza)?.type == .available
        else { return false }
        return await createOnDemand(local, by: stanza.from?.bare.description ?? "?")
    }

    /// Makes sure the room `local@component` exists, creating it on demand
    /// as a join would (an IRC channel someone asked to auto-join); false
    /// when it does not and cannot be made.
    public func ensureRoom(_ local: String, for user: JID) async -> Bool {
        guard let key = JID(endpoint(named: local).room)?.bare.description else { return false }
        if rooms.withLock({ $0[key] != nil }) { return true }
        return await createOnDemand(local, by: user.bare.description)
    }

    private func createOnDemand(_ local: String, by user: String) async -> Bool {
        guard let room = resolveRoom?(local), let sink = sink.withLock({ $0 }) else { return false }
        let endpoint = endpoint(named: local)
        do {
            assign(endpoint.room, to: room.id)
            try await sink.bridge(room.id, endpoints: [endpoint] + room.otherEndpoints)
            try await open(endpoint.room)
            logger.info("room created on demand", metadata: [
                "room": "\(endpoint.room)", "bridged_room": "\(room.id)", "by": "\(user)"])
            return true
        } catch {
            logger.error("cannot create room on demand", metadata: ["room": "\(endpoint.room)", "error": "\(error)"])
            return false
        }
    }

    /// Routes a message's events; the reflection to the room comes back
    /// through the router once they are stored (`reflected`), in archive
    /// order with everything else the room is shown.
    private func reflect(_ pending: PendingReflection, in key: String, through sink: (any EventSink)?) async {
        guard let sink, !pending.events.isEmpty else {
            if let stanzas = rooms.withLock({ $0[key]?.reflection(of: pending, messageID: nil) }) { send(stanzas) }
            return
        }
        let token = tokens.withLock { next in
            next += 1
            return "r\(next)"
        }
        awaitingReflection.withLock {
            $0[token] = AwaitingReflection(pending: pending, room: key, remaining: pending.events.count)
        }
        for var event in pending.events {
            event = withPicture(event)
            event.reflectionToken = token
            let receipt = await sink.route(event)
            if receipt.messageID != nil { continue }
            let error: StanzaError
            switch event.payload {
            case _ where receipt.isBusy:
                // Nothing of it was stored or sent anywhere: the sender may
                // send it again (RFC 6120 §8.3.3.18, an error of type wait).
                error = StanzaError(.resourceConstraint, text: "the room is busy: send it again in a moment")
            case .reaction:
                // One reaction of an update refused: the others still count.
                if let done = countDown(token, messageID: nil) { await show(done) }
                continue
            case .edit, .retraction:
                error = StanzaError(.forbidden, text: "only the author can change a message, and only a known one")
            default:
                error = StanzaError(.serviceUnavailable, text: "the room could not take the message")
            }
            _ = awaitingReflection.withLock { $0.removeValue(forKey: token) }
            refuse(pending, error)
            return
        }
    }

    /// One of a message's events is stored and back from the router.
    private func reflected(_ delivery: Delivery, in key: String, gate: AsyncLock) async {
        guard let token = delivery.event.reflectionToken,
              let done = countDown(token, messageID: delivery.messageID) else { return }
        await show(done)
    }

    /// Counts one reflection (or refusal) down; the entry once all are in.
    private func countDown(_ token: String, messageID: BridgeMessageID?) -> AwaitingReflection? {
        awaitingReflection.withLock { waiting -> AwaitingReflection? in
            guard var entry = waiting[token] else { return nil }
            entry.remaining -= 1
            if entry.messageID == nil, let messageID, entry.pending.isNewMessage { entry.messageID = messageID }
            if entry.remaining > 0 {
                waiting[token] = entry
                return nil
            }
            waiting[token] = nil
            return entry
        }
    }

    private func show(_ entry: AwaitingReflection) async {
        guard let gate = gate(entry.room) else { return }
        await gate.withLock {
            if let stanzas = rooms.withLock({ $0[entry.room]?.reflection(of: entry.pending, messageID: entry.messageID) }) {
                send(stanzas)
            }
        }
    }

    /// A remote participant's picture is kept: the rooms they are in show
    /// it in their presence.
    private func showPicture(_ hash: String, of participant: ParticipantKey) async {
        for key in rooms.withLock({ Array($0.keys) }) {
            guard let gate = gate(key) else { continue }
            await gate.withLock {
                let stanzas = rooms.withLock { $0[key]?.setPicture(hash, of: participant) ?? [] }
                if !stanzas.isEmpty { send(stanzas) }
            }
        }
    }

    /// A remote occupant's vCard: their picture, or nothing.
    /// A moderator's XEP-0425 request: the room's occupants are told once
    /// the router has stored the removal; the moderator's client gets the
    /// IQ's answer after them.
    private func remove(_ event: BridgeEvent, answering iq: IQ, in key: String, through sink: (any EventSink)?) async {
        guard let sink else {
            send(StanzaError(.serviceUnavailable, text: "the bridge is not running").reply(to: iq.element).map { [$0] } ?? [])
            return
        }
        let receipt = await sink.route(event)
        guard let target = receipt.messageID, let gate = gate(key) else {
            send(StanzaError(.itemNotFound, text: "no such message in this room").reply(to: iq.element).map { [$0] } ?? [])
            return
        }
        await receipt.durable()
        let reason: String? = if case .removal(_, let reason) = event.payload { reason } else { nil }
        await gate.withLock {
            let notice = rooms.withLock { $0[key]?.removalNotice(of: target, by: event.sender.key, reason: reason) } ?? []
            send(notice + [iq.result()])
        }
    }

    private func answerVCard(_ iq: IQ, pictureHash: String?) async {
        var picture: XMPPAvatars.Picture?
        if let pictureHash {
            do {
                picture = try await XMPPAvatars.picture(pictureHash, in: store)
            } catch {
                logger.error("cannot read a kept avatar", metadata: ["hash": "\(pictureHash)", "error": "\(error)"])
            }
        }
        let vCard = picture.map { VCardPicture.vCard(type: $0.type, base64: $0.base64) }
            ?? XMPPElement("vCard", namespace: XMPPNamespace.vCard)
        send([iq.result(vCard)])
    }

    /// `event` with its XMPP sender's picture linked, once it is known.
    private func withPicture(_ event: BridgeEvent) -> BridgeEvent {
        guard let avatars, event.sender.network == network,
              let url = avatars.avatarURL(of: event.sender.id) else { return event }
        var event = event
        event.sender.avatarURL = url
        return event
    }

    private func refuse(_ pending: PendingReflection, _ error: StanzaError) {
        if let refusal = pending.refusal(error) { send([refusal]) }
    }

    private func answer(_ request: MAMRequest, in key: String) async {
        if let anchor = request.anchorID, (try? await store.archivedMessage(anchor))??.room != request.query.room {
            if let error = request.unknownAnchorError { send([error]) }
            return
        }
        do {
            let page = try await store.archive(request.query)
            if let stanzas = rooms.withLock({ $0[key]?.archiveResponse(page, to: request) }) { send(stanzas) }
        } catch {
            logger.error("archive query failed", metadata: ["room": "\(key)", "error": "\(error)"])
            if let reply = StanzaError(.internalServerError).reply(to: request.iq) { send([reply]) }
        }
    }
}

private extension BridgeEvent.Payload {
    /// Whether the event carries its sender as they are now (a message or a
    /// join), so a missing picture link means they have no picture.
    var showsSender: Bool {
        switch self {
        case .message, .join: true
        default: false
        }
    }
}
