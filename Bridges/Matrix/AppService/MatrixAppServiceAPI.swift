import BridgeKit
import Foundation
import Logging

/// The application service API (Matrix spec v1.x), apart from HTTP: what
/// the homeserver asks and what Trestle answers. `MatrixAppServiceServer`
/// serves it with Hummingbird; tests call it directly.
///
/// - Every request must carry the hs_token (`Authorization: Bearer`, or
///   the older `access_token` query parameter): without one the answer is
///   401 `M_UNAUTHORIZED`, with a wrong one 403 `M_FORBIDDEN`.
/// - A transaction is processed once: its key is recorded in the store
///   through the router's batched writes, after its events' records, never
///   before them (unless no event was handed over: the echoes of Trestle's own events
///   need no record), and a transaction seen before is acknowledged
///   without processing it again, also after a restart
///   (`MatrixTransactionLedger`, loaded from the store, answers without a
///   read per transaction). The key is the transaction id scoped by the registration id
///   and the first event's id, since a homeserver whose database is new
///   counts its transaction ids from 1 again.
/// - Transactions are processed one at a time, in the order they arrive.
public final class MatrixAppServiceAPI: Sendable {
    /// An answer: an HTTP status and a JSON body.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: MatrixJSON

        public init(_ status: Int, _ body: MatrixJSON = [:]) {
            self.status = status
            self.body = body
        }

        static func error(_ status: Int, _ errcode: String, _ message: String) -> Answer {
            Answer(status, ["errcode": .string(errcode), "error": .string(message)])
        }
    }

    /// What the adapter does with what the homeserver says.
    public struct Handlers: Sendable {
        /// Handles a transaction's events, in order, then, when any was
        /// handed over, has the record given (the transaction marked
        /// processed, when there is one) stored after them; returns once
        /// all is stored, saying whether any was handed over (when none
        /// was, handling them again changes nothing, and the transaction is
        /// not recorded).
        public var events: @Sendable ([MatrixJSON], StoreRecord?) async -> Bool
        /// Whether a user id in the namespace exists (registering it if it should).
        public var user: @Sendable (String) async -> Bool
        /// Whether an alias in the namespace exists (creating its portal room if it should).
        public var alias: @Sendable (String) async -> Bool
        /// Whether a sender is one of Trestle's own users (the bot, a puppet).
        public var isOwn: @Sendable (String) -> Bool
        /// Handles a transaction's ephemeral events (typing, receipts,
        /// presence: MSC2409, `receive_ephemeral`), after its events.
        public var ephemeral: @Sendable ([MatrixJSON]) async -> Void

        public init(events: @escaping @Sendable ([MatrixJSON], StoreRecord?) async -> Bool,
                    user: @escaping @Sendable (String) async -> Bool,
                    alias: @escaping @Sendable (String) async -> Bool,
                    isOwn: @escaping @Sendable (String) -> Bool = { _ in false },
                    ephemeral: @escaping @Sendable ([MatrixJSON]) async -> Void = { _ in }) {
            self.events = events
            self.user = user
            self.alias = alias
            self.isOwn = isOwn
            self.ephemeral = ephemeral
        }
    }

    /// How long a processed transaction is remembered.
    public static let transactionMemory: TimeInterval = 7 * 86_400

    let token: MatrixAccessToken
    let registrationID: String
    let store: any BridgeStore
    let handlers: Handlers
    let logger: Logger
    private let lock = AsyncLock()
    private let processed = MatrixTransactionLedger()

    public init(hsToken: String, registrationID: String, store: any BridgeStore, handlers: Handlers, logger: Logger) {
        token = MatrixAccessToken(hsToken)
        self.registrationID = registrationID
        self.store = store
        self.handlers = handlers
        self.logger = logger
    }

    /// The refusal for a request's credentials, or `nil` when they are right.
    public func refusal(authorization: String?, queryToken: String?) -> Answer? {
        var candidate: String?
        if let authorization, authorization.hasPrefix("Bearer ") {
            candidate = String(authorization.dropFirst("Bearer ".count))
        } else if let queryToken {
            candidate = queryToken
        }
        guard let candidate, !candidate.isEmpty else {
            return .error(401, "M_UNAUTHORIZED", "No hs_token given")
        }
        return token.matches(candidate) ? nil : .error(403, "M_FORBIDDEN", "Wrong hs_token")
    }

    /// `PUT /_matrix/app/v1/transactions/{txnId}`.
    public func transaction(_ id: String, body: [UInt8]) async -> Answer {
        guard let json = MatrixJSON.parse(body) else { return .error(400, "M_NOT_JSON", "The body is not JSON") }
        guard let events = json["events"].array else {
            return .error(400, "M_BAD_JSON", "A transaction needs an 'events' list")
        }
        // Ephemeral events are passing news: handled when they come, not
        // recorded, and not handled again when a transaction is repeated.
        let ephemeral = json["ephemeral"].array ?? json["de.sorunome.msc2409.ephemeral"].array ?? []
        let first = events.first?["event_id"].string ?? "-"
        let key = "matrix/\(registrationID)/\(id)/\(first)"
        // Only the echoes of Trestle's own sends (a puppet's message comes
        // back to it): handling them again changes nothing, so the store is
        // neither asked nor told about them. Half the transactions of a
        // busy bridge are such echoes.
        if events.allSatisfy({ handlers.isOwn($0["sender"].string ?? "") }) {
            if !events.isEmpty { await lock.withLock { _ = await handlers.events(events, nil) } }
            if !ephemeral.isEmpty { await handlers.ephemeral(ephemeral) }
            return Answer(200)
        }
        let (answer, handled) = await lock.withLock { () -> (Answer, Bool) in
            do {
                if try await processed.contains(key, load: { try await store.recentTransactions(limit: $0) }) {
                    logger.info("matrix transaction already processed, acknowledged again", metadata: [
                        "transaction": "\(id)", "events": "\(events.count)"])
                    return (Answer(200), false)
                }
                let now = Date()
                let done = StoreRecord.transactionDone(key, at: now,
                                                       forgetBefore: now.addingTimeInterval(-Self.transactionMemory))
                if await handlers.events(events, done) { processed.insert(key) }
                logger.debug("matrix transaction processed", metadata: ["transaction": "\(id)", "events": "\(events.count)"])
                return (Answer(200), true)
            } catch {
                logger.error("cannot read the processed matrix transactions; the homeserver will send it again",
                             metadata: ["transaction": "\(id)", "error": "\(error)"])
                return (.error(500, "M_UNKNOWN", "Cannot read the processed transactions"), false)
            }
        }
        // Outside the lock: typing waits for nobody's transaction.
        if handled && !ephemeral.isEmpty { await handlers.ephemeral(ephemeral) }
        return answer
    }

    /// `GET /_matrix/app/v1/users/{userId}`.
    public func user(_ userID: String) async -> Answer {
        await handlers.user(userID) ? Answer(200) : .error(404, "M_NOT_FOUND", "No such user")
    }

    /// `GET /_matrix/app/v1/rooms/{alias}`.
    public func alias(_ alias: String) async -> Answer {
        await handlers.alias(alias) ? Answer(200) : .error(404, "M_NOT_FOUND", "No such room")
    }

    /// `POST /_matrix/app/v1/ping`.
    public func ping(body: [UInt8]) -> Answer {
        let transaction = MatrixJSON.parse(body)?["transaction_id"].string
        logger.info("matrix homeserver ping", metadata: ["transaction": "\(transaction ?? "-")"])
        return Answer(200)
    }

    /// Anything else.
    public static let unrecognized = Answer.error(404, "M_UNRECOGNIZED", "Unrecognized request")
}
