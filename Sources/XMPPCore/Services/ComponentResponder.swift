import XMLStream

/// Answers what every XMPP component owes anyone who asks: service
/// discovery (XEP-0030), ping (XEP-0199) and software version (XEP-0092) on
/// the component's own JID, and `service-unavailable` for any request it
/// does not understand (RFC 6120 §8.3.3.19), so that no IQ goes unanswered.
///
/// It is the last stop of inbound dispatch: whatever the room and bridge
/// handlers did not take ends here. Errors are never answered (RFC 6120
/// §8.3.1), and neither are IQ results.
public struct ComponentResponder: Sendable {
    /// A XEP-0030 identity.
    public struct Identity: Sendable, Equatable {
        public var category: String
        public var type: String
        public var name: String
        public init(category: String, type: String, name: String) {
            self.category = category
            self.type = type
            self.name = name
        }
    }

    /// A XEP-0030 item (a room, a gateway).
    public struct Item: Sendable, Equatable {
        public var jid: JID
        public var name: String?
        public init(jid: JID, name: String? = nil) {
            self.jid = jid
            self.name = name
        }
    }

    public let domain: String
    public var identities: [Identity]
    /// Features beyond the four this responder implements itself.
    public var extraFeatures: [String]
    public var softwareName: String
    public var softwareVersion: String
    /// The component's disco items (its rooms), asked for on each request.
    public var items: @Sendable () async -> [Item]

    public init(
        domain: String,
        identities: [Identity] = [Identity(category: "conference", type: "text", name: "Trestle bridge")],
        extraFeatures: [String] = [],
        softwareName: String = "Trestle",
        softwareVersion: String,
        items: @escaping @Sendable () async -> [Item] = { [] }
    ) {
        self.domain = domain.lowercased()
        self.identities = identities
        self.extraFeatures = extraFeatures
        self.softwareName = softwareName
        self.softwareVersion = softwareVersion
        self.items = items
    }

    /// The features advertised on the component's JID.
    public var features: [String] {
        [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, XMPPNamespace.ping, XMPPNamespace.version] + extraFeatures
    }

    /// The answer to `stanza`, or `nil` when it needs none.
    public func reply(to stanza: XMPPElement) async -> XMPPElement? {
        guard let kind = StanzaKind(stanza), !stanza.isErrorStanza else { return nil }
        switch kind {
        case .iq:
            guard let iq = IQ(stanza) else {
                return StanzaError(.badRequest, text: "an IQ needs an id and a type").reply(to: stanza)
            }
            guard iq.isRequest else { return nil }
            if iq.to?.local == nil && iq.to?.resource == nil, let answer = await answerOwnIQ(iq) {
                return answer
            }
            return StanzaError(.serviceUnavailable).reply(to: stanza)
        case .message:
            return StanzaError(.serviceUnavailable).reply(to: stanza)
        case .presence:
            // A join of a room that does not exist: say so, or the client waits for ever.
            guard Presence(stanza)?.type == .available, stanza.to?.local != nil else { return nil }
            return StanzaError(.itemNotFound, text: "no such room").reply(to: stanza)
        }
    }

    private func answerOwnIQ(_ iq: IQ) async -> XMPPElement? {
        guard iq.type == .get, let payload = iq.payload, payload.attribute("node") == nil else { return nil }
        switch (payload.name, payload.namespace) {
        case ("query", XMPPNamespace.discoInfo):
            var query = XMPPElement("query", namespace: XMPPNamespace.discoInfo)
            for identity in identities {
                query.append(XMPPElement("identity", namespace: XMPPNamespace.discoInfo,
                                         ["category": identity.category, "type": identity.type, "name": identity.name]))
            }
            for feature in features {
                query.append(XMPPElement("feature", namespace: XMPPNamespace.discoInfo, ["var": feature]))
            }
            return iq.result(query)
        case ("query", XMPPNamespace.discoItems):
            var query = XMPPElement("query", namespace: XMPPNamespace.discoItems)
            for item in await items() {
                query.append(XMPPElement("item", namespace: XMPPNamespace.discoItems,
                                         ["jid": item.jid.description, "name": item.name]))
            }
            return iq.result(query)
        case ("ping", XMPPNamespace.ping):
            return iq.result()
        case ("query", XMPPNamespace.version):
            return iq.result(XMPPElement("query", namespace: XMPPNamespace.version, children: [
                XMPPElement("name", namespace: XMPPNamespace.version, text: softwareName),
                XMPPElement("version", namespace: XMPPNamespace.version, text: softwareVersion),
            ]))
        default:
            return nil
        }
    }
}
