import BridgeKit
import XMLStream
import XMPPCore

/// What a room made of one incoming stanza: stanzas to send now, and what
/// the router and the store must do (`RoomIntent`). The room never does
/// I/O itself; whoever owns it carries these out, in order.
public struct RoomOutput: Sendable {
    /// Stanzas to send, in order (XEP-0045 depends on it: on a join, the
    /// occupant list, then the self-presence, history, and the subject).
    public var stanzas: [XMPPElement]
    public var intents: [RoomIntent]

    public init(stanzas: [XMPPElement] = [], intents: [RoomIntent] = []) {
        self.stanzas = stanzas
        self.intents = intents
    }
}

/// What a stanza asks of the rest of the bridge, beyond the stanzas the
/// room answered with at once. Richer than a bare `BridgeEvent` because
/// messages and archive queries need a second step once the router or the
/// store has answered.
public enum RoomIntent: Sendable {
    /// Something to bridge that needs no answer: a join, a part, a nick
    /// change, a subject change.
    case event(BridgeEvent)
    /// A message (or a correction, retraction or reaction update) from an
    /// occupant. Route its `events` in order, and once the router has
    /// accepted and stored them, send `MUCRoom.reflection(of:messageID:)`
    /// (or `refusal(_:)` if the router dropped them).
    case message(PendingReflection)
    /// A XEP-0313 query: run it against the store, then send
    /// `MUCRoom.archiveResponse(_:to:)`.
    case archiveQuery(MAMRequest)
    /// A vCard request to a remote participant's occupant JID: answer it
    /// with the picture kept under `pictureHash` (`XMPPAvatars`), or with
    /// an empty vCard when there is none.
    case occupantVCard(IQ, pictureHash: String?)
    /// A moderator's removal of a message (XEP-0425): route the event;
    /// once the router has stored it, answer the IQ and send
    /// `MUCRoom.removalNotice(of:by:reason:)`; if the router refused it
    /// (an unknown message, or another room's), answer `item-not-found`.
    case removal(BridgeEvent, IQ)
}

/// A groupchat message the room has accepted but not yet reflected.
///
/// XEP-0045 reflects every message to its sender, and clients take the
/// reflection as "delivered". It must carry the XEP-0359 stanza id, which
/// is the `BridgeMessageID` the router assigns when it stores the message,
/// so the reflection is deliberately a second step: the owner routes
/// `events`, waits until they are durable, and completes the reflection
/// with the id. A client therefore never sees a message as sent that a
/// crash could lose, and never sees a stanza id the archive does not know.
public struct PendingReflection: Sendable {
    /// The events to route, in order. Usually one; a reactions update makes
    /// one per added or removed reaction, and none when nothing changed.
    public var events: [BridgeEvent]
    /// The message stanza to reflect, cleaned of anything the room sets
    /// itself (stanza ids claiming to be the room's, occupant ids).
    let stanza: XMPPElement
    let nick: String
    let occupantID: String
    /// The client that sent it.
    public let sender: JID

    /// Whether this is a new message (`.message`), which gets the router's
    /// id as its stanza id. Corrections, retractions and reactions are not
    /// archived as messages of their own and are reflected without one.
    public var isNewMessage: Bool {
        guard let first = events.first, case .message = first.payload else { return false }
        return true
    }

    /// The error to send the sender instead of a reflection, when the router
    /// refused the events (a correction of someone else's message, a
    /// retraction of an unknown one).
    public func refusal(_ error: StanzaError) -> XMPPElement? {
        var original = stanza
        original.setAttribute("from", to: sender.description)
        return error.reply(to: original)
    }
}

/// What showing one delivered event in the room produced.
public struct RoomDelivery: Sendable {
    /// Stanzas for the XMPP occupants (presence first when the sender had
    /// to join the room).
    public var stanzas: [XMPPElement]
    /// For a new message: its id on the XMPP side, the `id` attribute
    /// clients correct and quote it by. What `BridgeAdapter.deliver`
    /// returns.
    public var remoteID: RemoteMessageID?

    public init(stanzas: [XMPPElement] = [], remoteID: RemoteMessageID? = nil) {
        self.stanzas = stanzas
        self.remoteID = remoteID
    }
}
