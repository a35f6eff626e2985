import Testing
import XMLStream
@testable import XMPPCore

/// XEP-0050 requests and answers, and XEP-0004 forms both ways.
@Suite struct AdHocCommandTests {
    func iq(_ command: XMPPElement) -> IQ {
        IQ(XMPPElement("iq", namespace: XMPPNamespace.component,
                       ["type": "set", "id": "c1", "from": "alice@localhost/phone", "to": "irc.example.org@trestle.localhost"],
                       children: [command]))!
    }

    @Test func executeWithoutActionStartsTheCommand() throws {
        let request = try #require(AdHocRequest(iq(XMPPElement("command", namespace: AdHocRequest.namespace, ["node": "configure"]))))
        #expect(request.node == "configure" && request.action == .execute && request.sessionID == nil && request.form == nil)

        let form = DataForm(type: .form, title: "Configure", fields: [.init("nick", type: "text-single", values: ["alice"])])
        let reply = request.executing(form, sessionID: "s1")
        let command = try #require(reply.child("command", namespace: AdHocRequest.namespace))
        #expect(reply.attribute("type") == "result" && reply.attribute("to") == "alice@localhost/phone")
        #expect(command.attribute("status") == "executing" && command.attribute("sessionid") == "s1")
        #expect(command.child("actions")?.attribute("execute") == "complete")
        #expect(DataForm(try #require(command.child("x", namespace: DataForm.namespace))) == form)
    }

    @Test func aSubmittedFormIsReadWithItsValues() throws {
        let submitted = XMPPElement("x", namespace: DataForm.namespace, ["type": "submit"], children: [
            XMPPElement("field", namespace: DataForm.namespace, ["var": "nick"], children: [
                XMPPElement("value", namespace: DataForm.namespace, text: "alice_")]),
            XMPPElement("field", namespace: DataForm.namespace, ["var": "autojoin"], children: [
                XMPPElement("value", namespace: DataForm.namespace, text: "#a"),
                XMPPElement("value", namespace: DataForm.namespace, text: "#b")]),
            XMPPElement("field", namespace: DataForm.namespace, ["var": "on"], children: [
                XMPPElement("value", namespace: DataForm.namespace, text: "1")]),
        ])
        // In a session, no action means the default one: complete.
        let request = try #require(AdHocRequest(iq(XMPPElement("command", namespace: AdHocRequest.namespace,
                                                               ["node": "configure", "sessionid": "s1"], children: [submitted]))))
        #expect(request.action == .complete && request.sessionID == "s1")
        let form = try #require(request.form)
        #expect(form.type == .submit && form.value("nick") == "alice_" && form.values("autojoin") == ["#a", "#b"])
        #expect(form.bool("on") == true && form.bool("missing") == nil && form.values("missing") == [])

        let done = request.completed(note: "Saved.")
        let command = try #require(done.child("command", namespace: AdHocRequest.namespace))
        #expect(command.attribute("status") == "completed" && command.child("note")?.text == "Saved.")
        #expect(command.child("note")?.attribute("type") == "info")
    }

    @Test func otherPayloadsAreNotCommands() {
        #expect(AdHocRequest(iq(XMPPElement("command", namespace: "urn:other", ["node": "configure"]))) == nil)
        #expect(AdHocRequest(iq(XMPPElement("command", namespace: AdHocRequest.namespace))) == nil)
        #expect(DataForm(XMPPElement("x", namespace: DataForm.namespace, ["type": "bogus"])) == nil)
    }

    @Test func commandsAreListedAsDiscoItems() throws {
        let jid = try #require(JID("irc.example.org@trestle.localhost"))
        let list = AdHocRequest.commandList([("configure", "Configure")], on: jid)
        #expect(list.attribute("node") == AdHocRequest.namespace)
        #expect(list.child("item")?.attribute("node") == "configure" && list.child("item")?.attribute("jid") == jid.description)
    }
}
