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
    private let logger: Logger
    private let rooms = Mutex<[String: MUCRoom]>([:])
    private let roomIDs = Mutex<[String: BridgedRoomID]>([:])
    private let sink = Mutex<(any EventSink)?>(nil)
    /// Reflections waiting for their message to be committed, in order.
    private let reflections: AsyncStream<(Receipt, [XMPPElement])>
    private let reflectionQueue: AsyncStream<(Receipt, [XMPPElement])>.Continuation

    /// - Parameters:
    ///   - send: writes stanzas to the XMPP server (the component connection's outbox).
    ///   - store: where join history and MAM queries are read from.
    ///   - occupantIDSecret: the key XEP-0421 occupant ids are derived with;
    ///     keep it for the bridge's whole life so ids stay stable.
    public init(
        network: NetworkID = "xmpp", domain: String, store: any BridgeStore, occupantIDSecret: [UInt8],
        historyLimit: Int = 20, logger: Logger, send: @escaping @Sendable ([XMPPElement]) -> Void
    ) {
        self.network = network
        self.domain = domain.lowercased()
        self.store = store
        self.occupantIDSecret = occupantIDSecret
        self.historyLimit = historyLimit
        var logger = logger
        logger[metadataKey: "network"] = "\(network)"
        self.logger = logger
        self.send = send
        (reflections, reflectionQueue) = AsyncStream.makeStream()
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
    public func assign(_ room: String, to id: BridgedRoomID) {
        roomIDs.withLock { $0[room.lowercased()] = id }
    }

    // MARK: - BridgeAdapter

    public func capabilities(in room: String) -> Capabilities { .all }

    /// Sends each reflection once its message is committed. Commits happen
    /// in order, so waiting for them one by one keeps reflections in order,
    /// while the stanzas after a message are handled without waiting.
    public func run(sink: any EventSink) async throws {
        self.sink.withLock { $0 = sink }
        for await (receipt, stanzas) in reflections {
            await receipt.durable()
            send(stanzas)
        }
    }

    public func open(_ room: String) async throws {
        guard let jid = JID(room), jid.local != nil, jid.domain == domain else {
            throw DeliveryError(retryable: false, "not a room of \(domain): \(room)")
        }
        let key = jid.bare.description
        let id = roomIDs.withLock { $0[key] } ?? BridgedRoomID(key)
        rooms.withLock { rooms in
            if rooms[key] == nil {
                rooms[key] = MUCRoom(jid: jid, id: id, network: network, occupantIDSecret: occupantIDSecret,
                                     historyLimit: historyLimit)
            }
        }
        logger.info("room open", metadata: ["room": "\(key)"])
    }

    public func close(_ room: String) async {
        _ = rooms.withLock { $0.removeValue(forKey: room.lowercased()) }
    }

    public func deliver(_ delivery: Delivery) async throws -> RemoteMessageID? {
        let key = delivery.endpoint.room.lowercased()
        let output = rooms.withLock { rooms -> RoomDelivery? in rooms[key]?.deliver(delivery) }
        guard let output else { throw DeliveryError(retryable: false, "room \(key) is not open") }
        send(output.stanzas)
        return output.remoteID
    }

    // MARK: - Stanzas from XMPP users

    /// Handles a stanza addressed to one of the rooms or their occupants.
    /// Returns `false` when it is not for a room this adapter serves.
    public func handle(_ stanza: XMPPElement) async -> Bool {
        guard let to = stanza.to, to.local != nil, to.domain == domain else { return false }
        let key = to.bare.description
        guard let query = rooms.withLock({ $0[key].map { room in room.historyQuery(for: stanza) } }) else {
            return false
        }
        var history: [ArchivedMessage] = []
        if let query {
            history = (try? await store.archive(query).messages) ?? []
        }
        guard let output = rooms.withLock({ $0[key]?.handle(stanza, history: history) }) else { return false }
        send(output.stanzas)
        let sink = self.sink.withLock { $0 }
        for intent in output.intents {
            switch intent {
            case .event(let event):
                await sink?.route(event)
            case .message(let pending):
                await reflect(pending, in: key, through: sink)
            case .archiveQuery(let request):
                await answer(request, in: key)
            }
        }
        return true
    }

    private func reflect(_ pending: PendingReflection, in key: String, through sink: (any EventSink)?) async {
        var messageID: BridgeMessageID?
        var last: Receipt?
        for event in pending.events {
            guard let receipt = await sink?.route(event), let id = receipt.messageID else {
                switch event.payload {
                case .reaction:
                    continue  // one reaction of an update refused: the others still count
                case .edit, .retraction:
                    refuse(pending, StanzaError(.forbidden, text: "only the author can change a message, and only a known one"))
                default:
                    refuse(pending, StanzaError(.serviceUnavailable, text: "the room could not take the message"))
                }
                return
            }
            last = receipt
            if messageID == nil { messageID = id }
        }
        guard let stanzas = rooms.withLock({ $0[key]?.reflection(of: pending, messageID: messageID) }) else { return }
        if let last {
            reflectionQueue.yield((last, stanzas))
        } else {
            send(stanzas)
        }
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
