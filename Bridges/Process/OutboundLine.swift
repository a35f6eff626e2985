import BridgeKit

/// The lines Trestle writes to a plugin.
enum OutboundLine {
    static func hello(network: NetworkID) -> WireLine {
        var line = WireLine(type: "hello")
        line.protocol = pluginProtocolVersion
        line.network = network.rawValue
        return line
    }

    static func open(_ room: String) -> WireLine {
        var line = WireLine(type: "open")
        line.room = room
        return line
    }

    static func close(_ room: String) -> WireLine {
        var line = WireLine(type: "close")
        line.room = room
        return line
    }

    /// A `deliver` line: the event's fields, flat, with every reference
    /// already in the plugin's own ids.
    static func deliver(_ delivery: Delivery, id: Int) -> WireLine {
        var line = WireLine(type: "deliver")
        let event = delivery.event
        line.id = id
        line.room = delivery.endpoint.room
        line.messageID = delivery.messageID?.rawValue
        line.reflection = delivery.isReflection ? true : nil
        line.sender = WireSender(network: event.sender.network.rawValue, id: event.sender.id,
                                 name: event.sender.displayName, avatarURL: event.sender.avatarURL)
        line.timestamp = WireTimestamp.format(event.timestamp)
        switch event.payload {
        case .message(let content):
            line.kind = "message"
            fill(&line, with: content, replyTo: delivery.replyTo)
        case .edit(_, let content):
            line.kind = "edit"
            line.target = delivery.target?.rawValue
            fill(&line, with: content, replyTo: delivery.replyTo)
        case .retraction:
            line.kind = "retraction"
            line.target = delivery.target?.rawValue
        case .removal(_, let reason):
            // A retraction to a plugin that only knows those; `moderated`
            // says the sender is a moderator removing someone else's message.
            line.kind = "retraction"
            line.target = delivery.target?.rawValue
            line.moderated = true
            line.reason = reason
        case .reaction(_, let key, let added):
            line.kind = "reaction"
            line.target = delivery.target?.rawValue
            line.key = key
            line.added = added
        case .join:
            line.kind = "join"
        case .typing(let state):
            line.kind = "typing"
            line.state = state.rawValue
        case .part(let kind, let reason):
            line.kind = "part"
            line.partKind = kind.rawValue
            line.reason = reason
        case .rename(let name):
            line.kind = "rename"
            line.name = name
        case .topic(let text):
            line.kind = "topic"
            line.text = text
        case .rank(let rank):
            line.kind = "rank"
            line.rank = rank.rawValue
        case .moderation:
            // Not sent: plugins do not declare `Capabilities.moderation`,
            // so the router never delivers one to them.
            line.kind = "moderation"
        }
        return line
    }

    private static func fill(_ line: inout WireLine, with content: MessageContent, replyTo: RemoteMessageID?) {
        line.text = content.text.plainText
        line.messageKind = content.kind.rawValue
        line.replyTo = replyTo?.rawValue
        if !content.attachments.isEmpty {
            line.attachments = content.attachments.map {
                WireAttachment(url: $0.url, name: $0.name, mediaType: $0.mediaType, size: $0.size)
            }
        }
    }
}
