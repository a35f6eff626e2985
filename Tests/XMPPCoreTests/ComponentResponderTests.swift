import Testing
import XMLStream
@testable import XMPPCore

/// The answers every component owes, and the refusals.
@Suite struct ComponentResponderTests {
    let responder = ComponentResponder(
        domain: "trestle.localhost", softwareVersion: "1.2.3",
        items: { [ComponentResponder.Item(jid: JID("room@trestle.localhost")!, name: "Room")] })

    func iq(_ type: String, to: String = "trestle.localhost", _ payload: XMPPElement?) -> XMPPElement {
        XMPPElement("iq", namespace: XMPPNamespace.component,
                    ["type": type, "id": "q1", "from": "u@localhost/r", "to": to],
                    children: payload.map { [$0] } ?? [])
    }

    @Test func discoInfoListsIdentityAndFeatures() async throws {
        let reply = try #require(await responder.reply(to: iq("get", XMPPElement("query", namespace: XMPPNamespace.discoInfo))))
        #expect(reply.attribute("type") == "result" && reply.attribute("id") == "q1" && reply.attribute("to") == "u@localhost/r")
        let query = try #require(reply.child("query", namespace: XMPPNamespace.discoInfo))
        #expect(query.child("identity")?.attribute("category") == "conference")
        let features = query.elements.filter { $0.name == "feature" }.compactMap { $0.attribute("var") }
        #expect(Set(features).isSuperset(of: [XMPPNamespace.ping, XMPPNamespace.version, XMPPNamespace.discoItems]))
    }

    @Test func discoItemsListsRooms() async throws {
        let reply = try #require(await responder.reply(to: iq("get", XMPPElement("query", namespace: XMPPNamespace.discoItems))))
        #expect(reply.child("query")?.child("item")?.attribute("jid") == "room@trestle.localhost")
    }

    @Test func pingAndVersion() async throws {
        let pong = try #require(await responder.reply(to: iq("get", XMPPElement("ping", namespace: XMPPNamespace.ping))))
        #expect(pong.attribute("type") == "result" && pong.children.isEmpty)
        let version = try #require(await responder.reply(to: iq("get", XMPPElement("query", namespace: XMPPNamespace.version))))
        #expect(version.child("query")?.child("name")?.text == "Trestle")
        #expect(version.child("query")?.child("version")?.text == "1.2.3")
    }

    @Test func unknownRequestsAreServiceUnavailable() async throws {
        for request in [iq("get", XMPPElement("query", namespace: "urn:example:unknown")),
                        iq("set", XMPPElement("ping", namespace: XMPPNamespace.ping)),
                        iq("get", to: "nobody@trestle.localhost", XMPPElement("ping", namespace: XMPPNamespace.ping))] {
            let reply = try #require(await responder.reply(to: request))
            #expect(reply.attribute("type") == "error")
            let error = try #require(StanzaError(from: reply))
            #expect(error.condition == .serviceUnavailable && error.type == .cancel)
        }
    }

    @Test func errorsAndResultsAreNeverAnswered() async {
        #expect(await responder.reply(to: iq("result", nil)) == nil)
        #expect(await responder.reply(to: iq("error", XMPPElement("query", namespace: "urn:example:unknown"))) == nil)
        let errorMessage = XMPPElement("message", namespace: XMPPNamespace.component, ["type": "error", "from": "a@b"])
        #expect(await responder.reply(to: errorMessage) == nil)
    }

    @Test func jidParsing() {
        let jid = JID("#chan%irc.example.org@Trestle.Localhost/Nick/with/slash")
        #expect(jid?.local == "#chan%irc.example.org")
        #expect(jid?.domain == "trestle.localhost")
        #expect(jid?.resource == "Nick/with/slash")
        #expect(JID("")==nil && JID("@d") == nil && JID("a@") == nil && JID("d/") == nil)
        #expect(JID("a@b/c")?.bare.description == "a@b")
    }

    @Test func adminNoticesOnLossAndReturn() {
        let notifier = AdminNotifier(component: JID("t.localhost")!, admins: [JID("admin@localhost")!])
        #expect(notifier.messages(for: .connected(reconnect: false), at: "t").isEmpty)
        let lost = notifier.messages(for: .disconnected(.closedByServer), at: "T1")
        #expect(Message(lost[0])?.body?.hasPrefix("Trestle lost its connection to the XMPP server at T1") == true)
        #expect(lost[0].attribute("to") == "admin@localhost")
    }
}
