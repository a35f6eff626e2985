import BridgeKit
import XMLStream
import XMPPCore
import struct Foundation.Date

/// A XEP-0313 archive query to a room, read into an `ArchiveQuery`.
///
/// Understood: the data form fields `start`, `end` and `with` (anything
/// else is `feature-not-implemented`, as XEP-0313 §4.1.5 requires), and
/// XEP-0059 paging with `max`, `after`, `before` (with or without an id).
/// Pages hold `defaultPageSize` messages unless asked for fewer, and never
/// more than `maxPageSize`. `<index/>` and `before` together with `after`
/// are refused; the extended fields (`before-id`, `after-id`, `ids`) and
/// `flip-page` are not offered.
public struct MAMRequest: Sendable, Hashable {
    public static let defaultPageSize = 50
    public static let maxPageSize = 100

    /// The client's `queryid`, echoed in every result.
    public var queryID: String?
    /// The store query to run.
    public var query: ArchiveQuery
    /// `with` named an occupant JID no one holds: nothing can match, and
    /// the room answers at once without asking the store.
    var matchesNothing = false
    /// The request, for addressing the answer.
    let iq: XMPPElement

    /// The message id the request pages from (RSM `after`/`before`).
    /// XEP-0313 wants `item-not-found` for an id the archive does not hold,
    /// which only the store can tell: check that the message exists in this
    /// room before running the query, and send `unknownAnchorError` if not.
    public var anchorID: BridgeMessageID? {
        switch query.anchor {
        case .after(let id), .before(let id): id
        case .none, .last: nil
        }
    }

    /// The error answering a request whose `anchorID` is unknown.
    public var unknownAnchorError: XMPPElement? {
        StanzaError(.itemNotFound, type: .cancel, text: "no such message in the archive", by: iq.to?.bare).reply(to: iq)
    }

    /// Reads a query (`iq` is a set whose payload is `<query xmlns='urn:xmpp:mam:2'/>`).
    /// `resolveWith` turns a `with` JID into the sender to filter on, or
    /// `nil` when it names no one.
    static func parse(
        _ iq: XMPPElement, room: BridgedRoomID, resolveWith: (JID) -> ParticipantKey?
    ) -> Result<MAMRequest, StanzaError> {
        guard let payload = iq.child("query", namespace: RoomNamespace.mam) else {
            return .failure(StanzaError(.badRequest, text: "no MAM query"))
        }
        var request = MAMRequest(queryID: payload.attribute("queryid"), query: ArchiveQuery(room: room, limit: defaultPageSize), iq: iq)
        if let form = payload.child("x", namespace: RoomNamespace.dataForms) {
            for field in DataForm.fields(of: form) {
                let value = field.values.first.flatMap { $0.isEmpty ? nil : $0 }
                switch field.name {
                case "FORM_TYPE":
                    guard value == RoomNamespace.mam else { return .failure(StanzaError(.badRequest, text: "FORM_TYPE must be \(RoomNamespace.mam)")) }
                case "start", "end":
                    guard let value else { continue }
                    guard let date = XMPPDateTime.date(from: value) else {
                        return .failure(StanzaError(.badRequest, text: "'\(field.name)' is not a XEP-0082 date-time"))
                    }
                    if field.name == "start" { request.query.start = date } else { request.query.end = date }
                case "with":
                    guard let value else { continue }
                    guard let with = JID(value) else { return .failure(StanzaError(.jidMalformed, type: .modify, text: "'with' is not a JID")) }
                    if let key = resolveWith(with) { request.query.sender = key } else { request.matchesNothing = true }
                default:
                    return .failure(StanzaError(.featureNotImplemented, type: .cancel, text: "unknown field '\(field.name)'"))
                }
            }
        }
        if let set = payload.child("set", namespace: RoomNamespace.rsm) {
            switch parsePaging(set) {
            case .success(let (anchor, limit)):
                request.query.anchor = anchor
                if let limit { request.query.limit = min(limit, maxPageSize) }
            case .failure(let error):
                return .failure(error)
            }
        }
        return .success(request)
    }

    private static func parsePaging(_ set: XMPPElement) -> Result<(ArchiveQuery.Anchor, Int?), StanzaError> {
        if set.child("index", namespace: RoomNamespace.rsm) != nil {
            return .failure(StanzaError(.featureNotImplemented, type: .cancel, text: "paging by index is not supported"))
        }
        var limit: Int?
        if let max = set.child("max", namespace: RoomNamespace.rsm) {
            guard let value = Int(max.text.trimmingWhitespace), value >= 0 else {
                return .failure(StanzaError(.badRequest, text: "<max/> must be a non-negative integer"))
            }
            limit = value
        }
        let after = set.child("after", namespace: RoomNamespace.rsm)
        let before = set.child("before", namespace: RoomNamespace.rsm)
        switch (after, before) {
        case (.some, .some):
            return .failure(StanzaError(.badRequest, text: "<after/> and <before/> together are not supported"))
        case (.some(let after), nil):
            let id = after.text.trimmingWhitespace
            guard !id.isEmpty else { return .failure(StanzaError(.badRequest, text: "<after/> needs an id")) }
            return .success((.after(BridgeMessageID(id)), limit))
        case (nil, .some(let before)):
            let id = before.text.trimmingWhitespace
            return .success((id.isEmpty ? .last : .before(BridgeMessageID(id)), limit))
        case (nil, nil):
            return .success((.none, limit))
        }
    }
}

/// Just enough of XEP-0004 data forms to read a submitted form.
enum DataForm {
    struct Field {
        var name: String
        var values: [String]
    }

    /// The fields of a form, in order; fields without a `var` are skipped.
    static func fields(of form: XMPPElement) -> [Field] {
        form.elements.compactMap { field in
            guard field.name == "field", let name = field.attribute("var") else { return nil }
            return Field(name: name, values: field.elements.filter { $0.name == "value" }.map(\.text))
        }
    }
}
