import BridgeKit

/// One change in a channel MODE line (`MODE #chan +ov-v alice bob carol`),
/// with its parameter when the mode takes one, so that membership modes
/// (operator, voice…) can be told from channel settings.
public struct IRCModeChange: Hashable, Sendable {
    public var adding: Bool
    public var mode: Character
    public var parameter: String?

    public init(adding: Bool, mode: Character, parameter: String? = nil) {
        self.adding = adding
        self.mode = mode
        self.parameter = parameter
    }

    /// The changes in `modes` with their parameters taken from `parameters`
    /// in order: membership modes (from PREFIX) and list and key modes
    /// (CHANMODES types A and B) always take one, type C only when set,
    /// type D never. A mode the server did not announce takes none.
    public static func parse(_ modes: String, parameters: [String], isupport: IRCISupport) -> [IRCModeChange] {
        let membership = Set(isupport.prefixes.map(\.mode))
        let types = (isupport.tokens["CHANMODES"] ?? "b,k,l,imnpst").split(separator: ",", omittingEmptySubsequences: false)
        func letters(_ index: Int) -> Set<Character> { index < types.count ? Set(types[index]) : [] }
        let (alwaysA, alwaysB, whenSet) = (letters(0), letters(1), letters(2))
        var changes: [IRCModeChange] = []
        var adding = true
        var remaining = parameters[...]
        for mode in modes {
            switch mode {
            case "+": adding = true
            case "-": adding = false
            default:
                let takes = membership.contains(mode) || alwaysA.contains(mode) || alwaysB.contains(mode)
                    || (adding && whenSet.contains(mode))
                let parameter = takes ? remaining.popFirst() : nil
                changes.append(IRCModeChange(adding: adding, mode: mode, parameter: parameter))
            }
        }
        return changes
    }
}

/// How IRC's membership modes read as ranks.
public enum IRCMembershipRank {
    /// The highest rank among `modes` (`q` owner, `a` admin, `o` operator,
    /// `h` half-operator, `v` voice).
    public static func rank(of modes: Set<Character>) -> ParticipantRank {
        if modes.contains("q") { return .owner }
        if modes.contains("a") { return .admin }
        if modes.contains("o") { return .op }
        if modes.contains("h") { return .halfop }
        if modes.contains("v") { return .voiced }
        return .regular
    }
}
