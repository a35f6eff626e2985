/// How courteous Trestle is in one IRC channel: what becomes of the things
/// other networks do that IRC has no native way to show (reactions, very
/// long messages, typing). Chosen per server, overridable per channel; the
/// defaults add no line an IRC client displays that its channel did not
/// ask for.
public struct IRCChannelPolicies: Sendable, Equatable {
    /// What a reaction made elsewhere becomes on IRC.
    public enum Reactions: String, Sendable, CaseIterable {
        /// Not shown (every extra line is seen by everyone on IRC).
        case drop
        /// A short line: `* nick reacted 👍 to "first words…"`.
        case text
        /// An IRCv3 `TAGMSG` with `+draft/react` and `+draft/reply`, which
        /// clients that know it show on the message and others never
        /// display; where it cannot be sent (no `message-tags`, or the
        /// message's IRC msgid is unknown) `reactionFallback` applies.
        case tag
    }

    /// What `tag` falls back to.
    public enum ReactionFallback: String, Sendable, CaseIterable {
        case drop, text
    }

    /// What a message longer than the line limit becomes.
    public enum LongMessages: String, Sendable, CaseIterable {
        /// Cut, with a note of how many lines were left out.
        case cut
        /// Cut, with a link to the full text on Trestle's HTTP endpoint
        /// (only where a public URL is configured; otherwise as `cut`).
        case link
    }

    public var reactions: Reactions
    public var reactionFallback: ReactionFallback
    public var longMessages: LongMessages
    /// Whether people of other networks are shown typing, as IRCv3
    /// `+typing` TAGMSGs from their own connection (puppets and channels
    /// joined directly; never from the relay bot). On by default: a
    /// TAGMSG reaches only clients that asked for message tags, none of
    /// them displays it as a line, and a server can refuse the tag
    /// (`CLIENTTAGDENY`), which Trestle respects.
    public var typing: Bool

    public init(reactions: Reactions = .drop, reactionFallback: ReactionFallback = .drop, longMessages: LongMessages = .cut,
                typing: Bool = true) {
        self.reactions = reactions
        self.reactionFallback = reactionFallback
        self.longMessages = longMessages
        self.typing = typing
    }
}

/// Each channel's policies, found without folding every configured name
/// per delivery (names folded with rfc1459 rules, as `IRCChannelModeTable`).
struct IRCChannelPolicyTable: Sendable {
    private let policies: [String: IRCChannelPolicies]
    private let defaults: IRCChannelPolicies

    init(defaults: IRCChannelPolicies, channels: [String: IRCChannelPolicies]) {
        self.defaults = defaults
        policies = Dictionary(channels.map { (IRCChannelModeTable.fold($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    func policies(of channel: String) -> IRCChannelPolicies {
        policies[IRCChannelModeTable.fold(channel)] ?? defaults
    }
}
