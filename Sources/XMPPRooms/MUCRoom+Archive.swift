import BridgeKit
import XMLStream
import XMPPCore

/// XEP-0313 answers: a page of the archive as result messages and the
/// closing `<fin/>`, and the query form.
extension MUCRoom {
    /// The answer to `request` once the store returned `page`: one result
    /// message per archived message (oldest first), then the IQ result
    /// with XEP-0059 paging data. Retracted messages are XEP-0424
    /// tombstones: no content, a `<retracted stamp='…'/>` marker. Messages
    /// stored without their text (while `store.archive` was off) are left
    /// out; the paging ids stay those of the page the store returned, so a
    /// client paging on finds what follows.
    public func archiveResponse(_ page: ArchivePage, to request: MAMRequest) -> [XMPPElement] {
        guard let requester = request.iq.attribute("from") else { return [] }
        var stanzas: [XMPPElement] = page.messages.filter { !$0.isUnkept }.map { message in
            let forwarded = XMPPElement("forwarded", namespace: RoomNamespace.forward, children: [
                XMPPElement("delay", namespace: RoomNamespace.delay, ["stamp": XMPPDateTime.string(from: message.timestamp)]),
                stanza(for: message, namespace: RoomNamespace.client, to: nil, delayed: false, showRealJID: true),
            ])
            return XMPPElement("message", namespace: XMPPNamespace.component, ["from": jid.description, "to": requester], children: [
                XMPPElement("result", namespace: RoomNamespace.mam,
                            ["queryid": request.queryID, "id": message.id.rawValue], children: [forwarded]),
            ])
        }
        var set = XMPPElement("set", namespace: RoomNamespace.rsm)
        if let first = page.messages.first, let last = page.messages.last {
            set.append(XMPPElement("first", namespace: RoomNamespace.rsm,
                                   ["index": Self.firstIndex(of: page, anchor: request.query.anchor).map(String.init)],
                                   text: first.id.rawValue))
            set.append(XMPPElement("last", namespace: RoomNamespace.rsm, text: last.id.rawValue))
        }
        set.append(XMPPElement("count", namespace: RoomNamespace.rsm, text: String(page.count)))
        let fin = XMPPElement("fin", namespace: RoomNamespace.mam, ["complete": page.complete ? "true" : nil], children: [set])
        if let iq = IQ(request.iq) { stanzas.append(iq.result(fin)) }
        return stanzas
    }

    /// The position of a page's first message among all matches, where the
    /// page says it: the first page, the last page, and a page that ran to
    /// the end in the direction asked.
    static func firstIndex(of page: ArchivePage, anchor: ArchiveQuery.Anchor) -> Int? {
        switch anchor {
        case .none: 0
        case .last: page.count - page.messages.count
        case .after: page.complete ? page.count - page.messages.count : nil
        case .before: page.complete ? 0 : nil
        }
    }

    /// The fields a query may use (XEP-0313 §4.1.5).
    static func mamForm() -> XMPPElement {
        XMPPElement("query", namespace: RoomNamespace.mam, children: [
            XMPPElement("x", namespace: RoomNamespace.dataForms, ["type": "form"], children: [
                XMPPElement("field", namespace: RoomNamespace.dataForms, ["type": "hidden", "var": "FORM_TYPE"], children: [
                    XMPPElement("value", namespace: RoomNamespace.dataForms, text: RoomNamespace.mam),
                ]),
                XMPPElement("field", namespace: RoomNamespace.dataForms, ["type": "jid-single", "var": "with"]),
                XMPPElement("field", namespace: RoomNamespace.dataForms, ["type": "text-single", "var": "start"]),
                XMPPElement("field", namespace: RoomNamespace.dataForms, ["type": "text-single", "var": "end"]),
            ]),
        ])
    }
}
