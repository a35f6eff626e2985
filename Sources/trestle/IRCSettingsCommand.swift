import BridgeKit
import Foundation
import IRCBridge
import Logging
import Synchronization
import XMLStream
import XMPPCore
import XMPPRooms

/// The "Configure" ad-hoc command (XEP-0050) on an IRC server's address,
/// `irc.example.org@component`, as biboumi offers it: each XMPP user sets
/// their own nick, username, realname, SASL account and password, the
/// ports to try, the channels to auto-join and the channels to stay in
/// (`IRCUserSettings`). One form, filled with what is saved; submitting
/// it saves for good and joins the auto-join channels at once.
///
/// The server's address also answers disco#info (a gateway with
/// commands) and lists the command under the commands node, so clients
/// (Gajim, Conversations, poezio…) offer it in their menus.
final class IRCSettingsCommand: Sendable {
    static let node = "configure"

    let domain: String
    let addresses: IRCAddressBook
    let adapters: [NetworkID: IRCAdapter]
    let rooms: XMPPAdapter
    let logger: Logger
    /// Open form sessions: id → who opened it, for which network, until when.
    private let sessions = Mutex<[String: (user: JID, network: NetworkID, expires: ContinuousClock.Instant)]>([:])

    init(domain: String, addresses: IRCAddressBook, adapters: [NetworkID: IRCAdapter], rooms: XMPPAdapter, logger: Logger) {
        self.domain = domain
        self.addresses = addresses
        self.adapters = adapters
        self.rooms = rooms
        self.logger = logger
    }

    /// The answer to an IQ for a server's address; nil when the stanza is
    /// not one this command serves (the responder answers it then).
    func reply(to stanza: XMPPElement) async -> XMPPElement? {
        guard let iq = IQ(stanza), iq.isRequest, let to = iq.to, to.domain == domain, to.resource == nil,
              let local = to.local, !local.contains("%"), let server = addresses.server(named: local),
              let adapter = adapters[server.network], let from = iq.from, let payload = iq.payload
        else { return nil }
        switch (iq.type, payload.name, payload.namespace) {
        case (.get, "query", XMPPNamespace.discoInfo):
            return iq.result(XMPPElement("query", namespace: XMPPNamespace.discoInfo, ["node": payload.attribute("node")],
                                         children: [
                XMPPElement("identity", namespace: XMPPNamespace.discoInfo,
                            ["category": "gateway", "type": "irc", "name": "IRC server \(server.host)"]),
                XMPPElement("feature", namespace: XMPPNamespace.discoInfo, ["var": XMPPNamespace.discoInfo]),
                XMPPElement("feature", namespace: XMPPNamespace.discoInfo, ["var": AdHocRequest.namespace]),
            ]))
        case (.get, "query", XMPPNamespace.discoItems):
            guard payload.attribute("node") == AdHocRequest.namespace else {
                return iq.result(XMPPElement("query", namespace: XMPPNamespace.discoItems))
            }
            return iq.result(AdHocRequest.commandList([(Self.node, "Configure")], on: to))
        case (.set, "command", AdHocRequest.namespace):
            guard let request = AdHocRequest(iq), request.node == Self.node else {
                return StanzaError(.itemNotFound, text: "no such command").reply(to: stanza)
            }
            return await run(request, user: from, network: server.network, host: server.host, adapter: adapter)
        default:
            return nil
        }
    }

    private func run(_ request: AdHocRequest, user: JID, network: NetworkID, host: String,
                     adapter: IRCAdapter) async -> XMPPElement? {
        let participant = ParticipantKey(network: rooms.network, id: user.bare.description)
        switch request.action {
        case .execute:
            let sessionID = UUID().uuidString
            sessions.withLock { sessions in
                let now = ContinuousClock.now
                sessions = sessions.filter { $0.value.expires > now }
                sessions[sessionID] = (user.bare, network, now + .seconds(600))
            }
            let form = IRCSettingsForm.form(await adapter.settings(for: participant), host: host)
            return request.executing(form, sessionID: sessionID)
        case .cancel:
            forget(request.sessionID)
            return request.canceled()
        case .complete, .next, .prev:
            guard let sessionID = request.sessionID, isOpen(sessionID, by: user, on: network) else {
                return StanzaError(.badRequest, text: "this form has expired; open it again").reply(to: request.iq.element)
            }
            guard let form = request.form, form.type == .submit else {
                return StanzaError(.badRequest, text: "the form is missing").reply(to: request.iq.element)
            }
            let settings: IRCUserSettings
            do {
                settings = try IRCSettingsForm.settings(from: form)
            } catch {
                return StanzaError(.badRequest, text: "\(error)").reply(to: request.iq.element)
            }
            forget(sessionID)
            for channel in settings.autoJoin where !(await rooms.ensureRoom("\(channel)%\(host)", for: user)) {
                return StanzaError(.notAcceptable, text: "cannot open \(channel) on \(host)").reply(to: request.iq.element)
            }
            do {
                let name = settings.nick ?? user.local ?? user.domain
                try await adapter.saveSettings(settings, for: Participant(network: participant.network, id: participant.id,
                                                                          displayName: name))
            } catch {
                logger.error("IRC user settings not saved", metadata: ["network": "\(network)", "error": "\(error)"])
                return StanzaError(.internalServerError, text: "the settings could not be saved").reply(to: request.iq.element)
            }
            return request.completed(note: "Saved. A new nick and auto-join channels apply now; username, realname, "
                + "SASL and ports from your next connection to \(host).")
        }
    }

    private func isOpen(_ sessionID: String, by user: JID, on network: NetworkID) -> Bool {
        sessions.withLock { sessions in
            guard let session = sessions[sessionID] else { return false }
            return session.user == user.bare && session.network == network && session.expires > .now
        }
    }

    private func forget(_ sessionID: String?) {
        guard let sessionID else { return }
        _ = sessions.withLock { $0.removeValue(forKey: sessionID) }
    }
}
