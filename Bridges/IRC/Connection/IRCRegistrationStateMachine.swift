/// The client side of IRC connection registration as a value: events in, one
/// action out, no I/O.
///
/// It negotiates IRCv3 capabilities (`CAP LS 302`, `REQ`, `END`),
/// authenticates with SASL (PLAIN or EXTERNAL), falls back to another nick
/// when the server refuses ours, answers PING, and reads the server's
/// ISUPPORT. The connection code performs the action it is handed.
///
/// `.registered` is reported at the end of the MOTD (376, or 422 when there
/// is none) rather than at 001: the server sends 005 ISUPPORT after 001, and
/// the adapter needs it (CHANTYPES, PREFIX, CASEMAPPING) before it joins.
public struct IRCRegistrationStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case awaitingConnection
        /// `CAP LS 302` sent; collecting the (possibly multi-line) answer.
        case listingCapabilities
        /// `CAP REQ` sent; awaiting ACK or NAK.
        case requestingCapabilities
        /// `AUTHENTICATE` sent; awaiting the SASL outcome.
        case authenticating
        /// Negotiation over (or never started); awaiting 001.
        case awaitingWelcome
        /// 001 received; collecting ISUPPORT until the end of the MOTD.
        case welcomed
        case registered
        case closed
    }

    public enum Action: Sendable, Equatable {
        /// Write these lines, in order.
        case send([IRCMessage])
        /// Registration is complete.
        case registered(nick: String, capabilities: Set<String>, isupport: IRCISupport)
        /// Close the connection. `permanent` failures (SASL refused, banned,
        /// wrong server password) will fail again: do not reconnect.
        case fail(reason: String, permanent: Bool)
        case none
    }

    public enum SASL: Sendable, Equatable {
        /// `\0account\0password`.
        case plain(account: String, password: String)
        /// The TLS client certificate identifies the account.
        case external

        public var mechanism: String {
            switch self {
            case .plain: "PLAIN"
            case .external: "EXTERNAL"
            }
        }
    }

    /// A WEBIRC line (`WEBIRC password gateway hostname ip`), as IRC servers
    /// accept from gateways they trust.
    public struct WebIRC: Sendable, Equatable {
        public var password: String
        public var gateway: String
        public var hostname: String
        public var address: String

        public init(password: String, gateway: String, hostname: String, address: String) {
            self.password = password
            self.gateway = gateway
            self.hostname = hostname
            self.address = address
        }
    }

    public struct Configuration: Sendable, Equatable {
        public var nick: String
        public var username: String
        public var realName: String
        /// The server password (`PASS`), sent first when set.
        public var password: String?
        /// When set, SASL is required: a server that cannot do it is a permanent failure.
        public var sasl: SASL?
        /// The capabilities to enable when the server offers them.
        public var capabilities: Set<String>
        /// How many nicks to try (the preferred one included) before giving up.
        public var maximumNickAttempts: Int
        /// Sent first, so the server shows the person behind a gateway
        /// connection (their host and address) instead of the gateway's.
        public var webIRC: WebIRC?

        public static let defaultCapabilities: Set<String> = [
            "sasl", "server-time", "message-tags", "echo-message", "multi-prefix", "away-notify",
            "account-notify", "extended-join", "chghost", "batch", "labeled-response", "draft/multiline",
        ]

        public init(
            nick: String, username: String? = nil, realName: String? = nil, password: String? = nil, sasl: SASL? = nil,
            capabilities: Set<String> = Self.defaultCapabilities, maximumNickAttempts: Int = 10
        ) {
            self.nick = nick
            self.username = username ?? nick
            self.realName = realName ?? nick
            self.password = password
            self.sasl = sasl
            self.capabilities = capabilities
            self.maximumNickAttempts = maximumNickAttempts
        }
    }

    /// SASL payloads are sent in `AUTHENTICATE` lines of at most this many bytes.
    public static let saslChunkBytes = 400

    public let configuration: Configuration
    public private(set) var state: State = .awaitingConnection
    /// The nick last sent, then the one the server confirmed in 001.
    public private(set) var nick: String
    /// The capabilities the server offered (`name` → value, "" for none).
    public private(set) var offeredCapabilities: [String: String] = [:]
    public private(set) var enabledCapabilities: Set<String> = []
    public private(set) var isupport = IRCISupport()
    /// The account SASL logged in to (900), if any.
    public private(set) var account: String?
    private var requestedCapabilities: Set<String> = []
    private var saslPayloadSent = false
    private var nickAttempts = 1
    /// The text of a 465 (banned) reply, until the ERROR that follows it.
    private var ban: String?

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.nick = configuration.nick
    }

    /// The TCP (and TLS) connection is open: start registering.
    public mutating func connected() -> Action {
        guard state == .awaitingConnection else { return .none }
        state = .listingCapabilities
        var lines: [IRCMessage] = []
        if let web = configuration.webIRC {
            lines.append(IRCMessage(command: "WEBIRC", parameters: [web.password, web.gateway, web.hostname, web.address]))
        }
        if let password = configuration.password {
            lines.append(IRCMessage(command: "PASS", parameters: [password]))
        }
        lines.append(IRCMessage(command: "CAP", parameters: ["LS", "302"]))
        lines.append(IRCMessage(command: "NICK", parameters: [nick]))
        lines.append(IRCMessage(command: "USER", parameters: [configuration.username, "0", "*", configuration.realName]))
        return .send(lines)
    }

    /// The server sent a line.
    public mutating func received(_ message: IRCMessage) -> Action {
        if state == .closed || state == .awaitingConnection { return .none }
        switch message.command.uppercased() {
        case "PING":
            return .send([IRCMessage(command: "PONG", parameters: message.parameters)])
        case "ERROR":
            let reason = message.parameters.last ?? "closed by the server"
            if let ban { return close("banned from the server: \(ban) (\(reason))", permanent: true) }
            return close(reason, permanent: Self.isBan(reason))
        case "CAP":
            return receivedCAP(message)
        case "AUTHENTICATE":
            return receivedAuthenticate(message)
        default:
            guard let numeric = message.numeric else { return .none }
            return received(numeric: numeric, message)
        }
    }

    /// The connection ended (before registration completed, or after a ban).
    public mutating func connectionLost(_ reason: String) -> Action {
        if let ban, state != .closed { return close("banned from the server: \(ban)", permanent: true) }
        switch state {
        case .closed, .registered, .awaitingConnection:
            state = .closed
            return .none
        case .listingCapabilities, .requestingCapabilities, .authenticating, .awaitingWelcome, .welcomed:
            return close(reason, permanent: false)
        }
    }

    // MARK: - CAP

    private mutating func receivedCAP(_ message: IRCMessage) -> Action {
        // CAP <target> <subcommand> [*] :<capabilities>
        let parameters = message.parameters
        guard parameters.count >= 3 else { return .none }
        let subcommand = parameters[1].uppercased()
        let list = Self.capabilities(parameters.last!)
        switch (state, subcommand) {
        case (.listingCapabilities, "LS"):
            for (name, value) in list { offeredCapabilities[name] = value }
            let more = parameters.count >= 4 && parameters[2] == "*"
            if !more { offeredCapabilities = IRCShared.capabilityLists.shared(offeredCapabilities) }
            return more ? .none : requestCapabilities()
        case (.requestingCapabilities, "ACK"):
            for (name, _) in list {
                if name.hasPrefix("-") {
                    enabledCapabilities.remove(String(name.dropFirst()))
                    requestedCapabilities.remove(String(name.dropFirst()))
                } else {
                    enabledCapabilities.insert(name)
                    requestedCapabilities.remove(name)
                }
            }
            return requestedCapabilities.isEmpty ? capabilitiesSettled() : .none
        case (.requestingCapabilities, "NAK"):
            // A request is accepted or refused as a whole: nothing was enabled.
            requestedCapabilities = []
            return capabilitiesSettled()
        case (.registered, "NEW"), (.welcomed, "NEW"):
            for (name, value) in list { offeredCapabilities[name] = value }
            return .none
        case (.registered, "DEL"), (.welcomed, "DEL"):
            for (name, _) in list {
                offeredCapabilities[name] = nil
                enabledCapabilities.remove(name)
            }
            return .none
        default:
            return .none
        }
    }

    private mutating func requestCapabilities() -> Action {
        var wanted = configuration.capabilities.intersection(offeredCapabilities.keys)
        if let sasl = configuration.sasl {
            guard wanted.contains("sasl") else {
                return close("the server does not offer SASL", permanent: true)
            }
            if let mechanisms = offeredCapabilities["sasl"], !mechanisms.isEmpty,
                !mechanisms.split(separator: ",").contains(where: { $0.uppercased() == sasl.mechanism })
            {
                return close("the server does not offer SASL \(sasl.mechanism) (only \(mechanisms))", permanent: true)
            }
        } else {
            wanted.remove("sasl")
        }
        guard !wanted.isEmpty else { return endNegotiation() }
        state = .requestingCapabilities
        requestedCapabilities = wanted
        return .send([IRCMessage(command: "CAP", parameters: ["REQ", wanted.sorted().joined(separator: " ")])])
    }

    private mutating func capabilitiesSettled() -> Action {
        guard let sasl = configuration.sasl else { return endNegotiation() }
        guard enabledCapabilities.contains("sasl") else {
            return close("the server refused the sasl capability", permanent: true)
        }
        state = .authenticating
        return .send([IRCMessage(command: "AUTHENTICATE", parameters: [sasl.mechanism])])
    }

    private mutating func endNegotiation() -> Action {
        state = .awaitingWelcome
        return .send([IRCMessage(command: "CAP", parameters: ["END"])])
    }

    // MARK: - SASL

    private mutating func receivedAuthenticate(_ message: IRCMessage) -> Action {
        guard state == .authenticating, !saslPayloadSent, message.parameters.first == "+",
            let sasl = configuration.sasl
        else { return .none }
        saslPayloadSent = true
        switch sasl {
        case .plain(let account, let password):
            let payload = Self.base64(Array("\0\(account)\0\(password)".utf8))
            return .send(Self.authenticateLines(payload))
        case .external:
            return .send([IRCMessage(command: "AUTHENTICATE", parameters: ["+"])])
        }
    }

    /// A base64 payload as `AUTHENTICATE` lines of at most 400 bytes; a
    /// final `+` marks the end when the last line is full (or the payload empty).
    static func authenticateLines(_ payload: String) -> [IRCMessage] {
        var lines: [IRCMessage] = []
        var rest = Substring(payload)
        while !rest.isEmpty {
            let chunk = rest.prefix(saslChunkBytes)
            lines.append(IRCMessage(command: "AUTHENTICATE", parameters: [String(chunk)]))
            rest = rest.dropFirst(chunk.count)
        }
        if payload.utf8.count % saslChunkBytes == 0 {
            lines.append(IRCMessage(command: "AUTHENTICATE", parameters: ["+"]))
        }
        return lines
    }

    // MARK: - Numerics

    private mutating func received(numeric: Int, _ message: IRCMessage) -> Action {
        let text = message.parameters.last ?? ""
        switch numeric {
        case 1:
            guard [.listingCapabilities, .requestingCapabilities, .authenticating, .awaitingWelcome].contains(state) else {
                return .none
            }
            if let sasl = configuration.sasl, state != .awaitingWelcome {
                // Registered without negotiating: the server ignored CAP.
                return close("the server does not support SASL \(sasl.mechanism)", permanent: true)
            }
            if let confirmed = message.parameters.first, !confirmed.isEmpty { nick = confirmed }
            state = .welcomed
            return .none
        case 5:
            isupport.apply(message)
            isupport.tokens = IRCShared.isupportTokens.shared(isupport.tokens)
            return .none
        case 376, 422:
            // RPL_ENDOFMOTD, ERR_NOMOTD.
            guard state == .welcomed else { return .none }
            state = .registered
            enabledCapabilities = IRCShared.capabilitySets.shared(enabledCapabilities)
            return .registered(nick: nick, capabilities: enabledCapabilities, isupport: isupport)
        case 421:
            // ERR_UNKNOWNCOMMAND: a server without CAP; NICK and USER are already sent.
            guard message.parameters.count >= 2, message.parameters[1].uppercased() == "CAP",
                state == .listingCapabilities || state == .requestingCapabilities
            else { return .none }
            if let sasl = configuration.sasl {
                return close("the server does not support CAP, so no SASL \(sasl.mechanism)", permanent: true)
            }
            state = .awaitingWelcome
            return .none
        case 432, 433, 436, 437:
            // ERR_ERRONEUSNICKNAME, ERR_NICKNAMEINUSE, ERR_NICKCOLLISION, ERR_UNAVAILRESOURCE.
            guard [.listingCapabilities, .requestingCapabilities, .authenticating, .awaitingWelcome].contains(state) else {
                return .none
            }
            guard nickAttempts < configuration.maximumNickAttempts else {
                return close("no nick accepted after \(nickAttempts) attempts (last: \(nick): \(text))", permanent: false)
            }
            nick = Self.fallbackNick(configuration.nick, attempt: nickAttempts, limit: isupport.nickLength)
            nickAttempts += 1
            return .send([IRCMessage(command: "NICK", parameters: [nick])])
        case 464:
            return close("the server password was refused: \(text)", permanent: true)
        case 465:
            // ERR_YOUREBANNEDCREEP: a K-line. The server follows it with an
            // ERROR that often carries the operator's reason: wait for it.
            ban = text
            return .none
        case 900:
            // RPL_LOGGEDIN <nick> <nick!user@host> <account> :text
            if message.parameters.count >= 3 { account = message.parameters[2] }
            return .none
        case 903:
            guard state == .authenticating else { return .none }
            return endNegotiation()
        case 902, 904, 905, 906, 908:
            guard state == .authenticating else { return .none }
            return close("SASL \(configuration.sasl?.mechanism ?? "") authentication failed (\(numeric)): \(text)", permanent: true)
        default:
            return .none
        }
    }

    private mutating func close(_ reason: String, permanent: Bool) -> Action {
        state = .closed
        return .fail(reason: reason, permanent: permanent)
    }

    // MARK: - Helpers

    /// The nick to try after `attempt` refusals: `nick_`, then `nick_2`,
    /// `nick_3`…, the base shortened to fit `limit` (NICKLEN; before the
    /// server says, the longer of 9 and the preferred nick's length).
    static func fallbackNick(_ preferred: String, attempt: Int, limit: Int?) -> String {
        let suffix = attempt <= 1 ? "_" : "_\(attempt)"
        let limit = limit ?? max(9, preferred.count)
        return String(preferred.prefix(max(limit - suffix.count, 1))) + suffix
    }

    /// `name[=value]` tokens of a CAP list.
    static func capabilities(_ list: String) -> [(String, String)] {
        list.split(separator: " ").map { token in
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// Whether an ERROR reason reads as a ban (`Closing Link: … (K-Lined)`).
    static func isBan(_ reason: String) -> Bool {
        let lower = reason.lowercased()
        return ["k-lined", "g-lined", "z-lined", "d-lined", "banned"].contains { lower.contains($0) }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0..<4 {
                if position <= count {
                    output.append(alphabet[Int((group >> UInt32(18 - 6 * position)) & 0x3F)])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
