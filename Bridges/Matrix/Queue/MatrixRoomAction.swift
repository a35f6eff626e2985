import BridgeKit

/// What the Matrix adapter does in a Matrix room for one delivery, in
/// Matrix's terms and as plain values, so that it can wait in the store
/// while the homeserver is down and be carried out the same way after a
/// restart of Trestle. What waits is the delivery rendered for Matrix, not
/// the delivery itself: its event is `Codable`, but the Matrix ids it
/// refers to were looked up by the router for that moment, and its
/// callback for recording a message's id does not survive a restart.
///
/// It holds who acts (the sender, whose puppet is registered, named and
/// joined before acting), the transaction id (made once from the delivery
/// and kept with the action, so every attempt, before and after a
/// restart, is the same request and the homeserver drops a repeat) and the
/// step. Message content is rendered when the delivery arrives (HTML,
/// mentions, the relation), so what waits is what will be sent.
///
/// The one thing left open is the Matrix event an edit, reply, reaction or
/// redaction points at, when that event was itself still queued: it has no
/// event id yet and is named by a placeholder (`MatrixEventReferences`),
/// resolved just before the action is sent. Each room's queue is sent in
/// order, so by then the event it names has been sent and its id learnt.
struct MatrixRoomAction: Codable, Sendable, Hashable {
    enum Step: Codable, Sendable, Hashable {
        /// `PUT /rooms/{room}/send/{type}/{txn}` as the puppet. `content` is
        /// the event content as JSON text; the event ids in its
        /// `m.relates_to` (an edit's original, a reply's target) may be
        /// placeholders.
        case send(type: String, content: String)
        /// A message that is one file another network links to (an XMPP
        /// user's HTTP upload): the file is fetched and uploaded to the
        /// media repository, then sent as `m.image`, `m.video`, `m.audio`
        /// or `m.file`. `content` is the message as text with the link
        /// (JSON text, as for `send`), sent instead when the file cannot
        /// be had.
        case sendFile(url: String, name: String?, content: String)
        /// A reaction with `key` to the event `target` (maybe a placeholder),
        /// remembered in the reaction ledger so that it can be withdrawn.
        case react(target: String, key: String)
        /// The puppet's reaction with `key` to `target` withdrawn: its
        /// reaction event (from the ledger) is redacted.
        case unreact(target: String, key: String)
        /// The event `target` redacted, by the puppet or else by the bot.
        case redact(target: String)
        /// A moderator of another network removed the event `target`: the
        /// bot redacts it (a puppet has no power over others' events),
        /// `reason` naming the moderator. Needs the bot to have the
        /// room's `redact` power level; a refusal is logged.
        case remove(target: String, reason: String)
        case join
        case leave(reason: String?)
        /// The puppet takes the sender's (new) display name.
        case rename
        /// The room's topic, set by the puppet or else by the bot.
        case topic(String)
    }

    /// The Matrix room.
    var room: String
    /// The bridged room it belongs to (named in the room's `m.bridge` state).
    var bridgedRoom: BridgedRoomID
    var sender: Participant
    /// The client-server transaction id of the request.
    var transaction: String
    /// For a new message: Trestle's id of it, so that its Matrix event id
    /// is recorded in the message-id map once it is sent.
    var message: BridgeMessageID?
    var step: Step

    /// What it is, for log lines.
    var kind: String {
        switch step {
        case .send(let type, _): message != nil ? "message" : (type == "m.room.message" ? "edit" : type)
        case .sendFile: "file"
        case .react: "reaction"
        case .unreact: "reaction removed"
        case .redact: "retraction"
        case .remove: "removal"
        case .join: "join"
        case .leave: "part"
        case .rename: "rename"
        case .topic: "topic"
        }
    }
}
