import BridgeKit

/// Chooses the nick a participant from another network has in a room.
///
/// The nick is derived from the display name (control characters removed,
/// whitespace collapsed, at most 64 characters), falling back to the
/// participant's id. When another occupant already holds it, the network
/// is appended as a suffix, `alice (irc)` for `irc.libera`, and then a
/// counter, `alice (irc) 2`. Once given, a nick stays with the participant
/// while they are in the room, so clients see one stable occupant.
enum NickAllocator {
    static let maxLength = 64

    /// The nick `participant` would like: their cleaned-up display name.
    static func base(for participant: Participant) -> String {
        let name = clean(participant.displayName)
        if !name.isEmpty { return name }
        let id = clean(participant.id)
        return id.isEmpty ? "user" : id
    }

    /// The short network name used as a suffix: the part before the first dot.
    static func networkSuffix(_ network: NetworkID) -> String {
        let head = network.rawValue.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        return head.isEmpty ? network.rawValue : head
    }

    /// The first free nick among `base`, `base (net)`, `base (net) 2`, ….
    static func allocate(_ base: String, network: NetworkID, isTaken: (String) -> Bool) -> String {
        if !isTaken(base) { return base }
        let suffixed = "\(base) (\(networkSuffix(network)))"
        if !isTaken(suffixed) { return suffixed }
        var counter = 2
        while isTaken("\(suffixed) \(counter)") { counter += 1 }
        return "\(suffixed) \(counter)"
    }

    private static func clean(_ text: String) -> String {
        var output = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            switch scalar.properties.generalCategory {
            case .format where scalar.value == 0x200C || scalar.value == 0x200D:
                break  // zero-width (non-)joiners hold emoji sequences and some scripts together
            case .control, .format, .unassigned, .surrogate, .privateUse, .lineSeparator, .paragraphSeparator:
                continue
            default:
                break
            }
            if pendingSpace { output.unicodeScalars.append(" ") }
            pendingSpace = false
            output.unicodeScalars.append(scalar)
        }
        if output.count > maxLength {
            output = String(output.prefix(maxLength))
            while output.last?.isWhitespace == true { output.removeLast() }
        }
        return output
    }
}
