import struct Foundation.Date

/// What crosses a bridge: one thing that happened in one endpoint of a room.
///
/// Adapters turn their network's traffic into these and back; the router
/// moves them between endpoints without knowing any network. References to
/// earlier messages (`MessageReference`) arrive from an adapter as that
/// network's ids and are resolved by the router to `BridgeMessageID`s, then
/// handed to each target adapter as *its* network's ids (`Delivery`).
public struct BridgeEvent: Hashable, Sendable, Codable {
    /// The endpoint it happened in.
    public var origin: Endpoint
    /// Who did it.
    public var sender: Participant
    public var timestamp: Date
    public var payload: Payload
    /// The id of this event on its origin network, when it has one (a
    /// message's stanza id or event id). The router maps it, and recognises
    /// an echo of what Trestle itself sent by it.
    public var remoteID: RemoteMessageID?
    /// Bridge instances this event has already passed through (each
    /// instance's `instanceID`), carried by adapters whose networks can hold
    /// such a mark; a bridge that finds itself here drops the event, so two
    /// bridges linking the same rooms cannot loop.
    public var via: [String]
    /// Chosen by an origin adapter whose network needs reflections
    /// (`Capabilities.reflection`); it comes back unchanged in the
    /// reflection's `Delivery`, so the adapter knows which of its own
    /// stanzas to complete.
    public var reflectionToken: String?

    public init(
        origin: Endpoint, sender: Participant, timestamp: Date = Date(), payload: Payload,
        remoteID: RemoteMessageID? = nil, via: [String] = []
    ) {
        self.origin = origin
        self.sender = sender
        self.timestamp = timestamp
        self.payload = payload
        self.remoteID = remoteID
        self.via = via
    }

    public enum Payload: Hashable, Sendable, Codable {
        /// A new message.
        case message(MessageContent)
        /// A new version of an earlier message by the same sender.
        case edit(of: MessageReference, MessageContent)
        /// An earlier message withdrawn by its sender.
        case retraction(of: MessageReference)
        /// An earlier message removed by a moderator, whoever wrote it (a
        /// Matrix redaction by someone with the power to redact, a XEP-0425
        /// request from a MUC moderator). An adapter sends it only when its
        /// network gave the sender that right there; the router accepts it
        /// for any message of the same bridged room, so a moderator on one
        /// network removes spam from every network that can remove it, but
        /// only from an endpoint the room's configuration names (a room
        /// linked at run time, by a bot command or as a portal, gives its
        /// admins no such say). A removal of the sender's own message is
        /// delivered as a retraction.
        case removal(of: MessageReference, reason: String?)
        /// A reaction (an emoji or short text) added to or removed from a message.
        case reaction(to: MessageReference, key: String, added: Bool)
        /// The sender joined the room.
        case join
        /// The sender left: parted, quit the network, or was kicked.
        case part(PartKind, reason: String?)
        /// The sender's display name changed to this.
        case rename(to: String)
        /// The room's topic was set.
        case topic(String)
        /// The sender's standing in the room changed (or became known).
        case rank(ParticipantRank)
        /// The sender asks that someone else's standing change: a moderator
        /// on one network acting on a participant (an XMPP moderator giving
        /// an IRC user operator status, kicking, banning). Carried out by the
        /// networks that declare `Capabilities.moderation`, with the
        /// sender's own rights there; the result comes back as ordinary
        /// `rank` and `part` events. Never archived.
        case moderation(of: ParticipantKey, ModerationAction)
        /// The sender started or stopped typing (XEP-0085 chat states,
        /// Matrix `m.typing`). Passing news: never archived, never queued
        /// in the store, delivered only to networks that declare `.typing`;
        /// one lost to an outage or a restart is not sent again.
        case typing(TypingState)
    }


    /// Why someone left.
    public enum PartKind: String, Hashable, Sendable, Codable {
        case left, quit, kicked, banned
    }

    /// Whether this event is a message or a change to one (what gets an id
    /// in the message map and a place in the archive).
    public var isMessage: Bool {
        if case .message = payload { true } else { false }
    }

    /// Whether this is typing news (`Payload.typing`).
    public var isTyping: Bool {
        if case .typing = payload { true } else { false }
    }
}

/// What someone's typing is doing (`BridgeEvent.Payload.typing`).
public enum TypingState: String, Hashable, Sendable, Codable {
    /// Typing now (XMPP `composing`; Matrix `typing: true`).
    case active
    /// Stopped for a moment, text still in the box (XMPP `paused`; Matrix
    /// has no such state and takes it as stopped).
    case paused
    /// Not typing (any more): the text was sent or thrown away.
    case stopped
}

/// The content of a message (new or edited).
public struct MessageContent: Hashable, Sendable, Codable {
    public var text: RichText
    public var kind: Kind
    /// The message this one answers.
    public var replyTo: MessageReference?
    public var attachments: [Attachment]

    public enum Kind: String, Hashable, Sendable, Codable {
        /// An ordinary message.
        case normal
        /// An action, `/me waves` (IRC CTCP ACTION, Matrix `m.emote`).
        case action
        /// A notice (IRC NOTICE, Matrix `m.notice`): bots, not people.
        case notice
    }

    public init(text: RichText, kind: Kind = .normal, replyTo: MessageReference? = nil, attachments: [Attachment] = []) {
        self.text = text
        self.kind = kind
        self.replyTo = replyTo
        self.attachments = attachments
    }
}

extension MessageContent {
    /// What the store keeps of a retracted message's content: nothing.
    /// Whoever withdrew or removed a message wanted it gone, from the
    /// archive's disk too, and out of later quotes.
    public static let retracted = MessageContent(text: RichText())

    /// What the store keeps of a message's content when the archive keeps
    /// no text (`store.archive: false`): nothing. Its sender, room, time
    /// and ids are kept, so that edits, replies, reactions and retractions
    /// still land on it after a restart.
    public static let unkept = MessageContent(text: RichText())

    /// Whether there is nothing to show or quote: no text, no attachment
    /// (a retracted message, or one whose text was not kept).
    public var isEmpty: Bool { text.spans.isEmpty && attachments.isEmpty }
}

/// A file sent with a message, reachable by URL from every network.
public struct Attachment: Hashable, Sendable, Codable {
    public var url: String
    public var name: String?
    public var mediaType: String?
    public var size: Int?

    public init(url: String, name: String? = nil, mediaType: String? = nil, size: Int? = nil) {
        self.url = url
        self.name = name
        self.mediaType = mediaType
        self.size = size
    }
}

/// An earlier message, named either by Trestle's id or by its id on the
/// network the reference came from.
public enum MessageReference: Hashable, Sendable, Codable {
    case bridge(BridgeMessageID)
    case remote(RemoteMessageID)
}

extension BridgeEvent.Payload {
    /// The kind of event, one word (a metric label, a log field).
    public var kindName: String {
        switch self {
        case .message: "message"
        case .edit: "edit"
        case .retraction: "retraction"
        case .removal: "removal"
        case .reaction: "reaction"
        case .join: "join"
        case .part: "part"
        case .rename: "rename"
        case .topic: "topic"
        case .rank: "rank"
        case .moderation: "moderation"
        case .typing: "typing"
        }
    }
}
