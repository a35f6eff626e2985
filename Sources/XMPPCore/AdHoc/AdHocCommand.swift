import XMLStream

/// A XEP-0050 ad-hoc command request, read from an IQ: which command
/// (`node`), what the user asks (`action`), the session it continues and
/// the form it submits. Trestle's commands are one-form commands
/// (execute → form → complete), so that is what this models.
public struct AdHocRequest: Sendable, Equatable {
    public static let namespace = "http://jabber.org/protocol/commands"

    public enum Action: String, Sendable { case execute, complete, next, prev, cancel }

    public var iq: IQ
    public var node: String
    public var action: Action
    public var sessionID: String?
    public var form: DataForm?

    /// Reads an IQ set carrying `<command xmlns='…commands'/>`; nil otherwise.
    public init?(_ iq: IQ) {
        guard iq.type == .set, let command = iq.payload, command.name == "command",
              command.namespace == Self.namespace, let node = command.attribute("node") else { return nil }
        self.iq = iq
        self.node = node
        // XEP-0050 §3.4: no action means execute (or, in a session, the default action: complete here).
        let sessionID = command.attribute("sessionid")
        self.action = command.attribute("action").flatMap(Action.init) ?? (sessionID == nil ? .execute : .complete)
        self.sessionID = sessionID
        form = command.child("x", namespace: DataForm.namespace).flatMap(DataForm.init)
    }

    /// A command shown to the user: its form, and the session to continue.
    public func executing(_ form: DataForm, sessionID: String) -> XMPPElement {
        var command = commandElement(status: "executing", sessionID: sessionID)
        command.append(XMPPElement("actions", namespace: Self.namespace, ["execute": "complete"], children: [
            XMPPElement("complete", namespace: Self.namespace)]))
        command.append(form.element)
        return iq.result(command)
    }

    /// A command finished, with a note for the user (`info`, `warn`, `error`).
    public func completed(note: String, type: String = "info") -> XMPPElement {
        var command = commandElement(status: "completed", sessionID: sessionID)
        command.append(XMPPElement("note", namespace: Self.namespace, ["type": type], text: note))
        return iq.result(command)
    }

    /// A command the user cancelled.
    public func canceled() -> XMPPElement {
        iq.result(commandElement(status: "canceled", sessionID: sessionID))
    }

    private func commandElement(status: String, sessionID: String?) -> XMPPElement {
        XMPPElement("command", namespace: Self.namespace, ["node": node, "sessionid": sessionID, "status": status])
    }

    /// The XEP-0030 items listing commands (`node` = the commands namespace).
    public static func commandList(_ commands: [(node: String, name: String)], on jid: JID) -> XMPPElement {
        XMPPElement("query", namespace: XMPPNamespace.discoItems, ["node": namespace],
                    children: commands.map { command in
                        XMPPElement("item", namespace: XMPPNamespace.discoItems,
                                    ["jid": jid.description, "node": command.node, "name": command.name])
                    })
    }
}
