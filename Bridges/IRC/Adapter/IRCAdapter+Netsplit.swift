import BridgeKit

/// Netsplits: when a link between two servers of a network breaks, everyone
/// behind it QUITs at once with the two servers' names as the reason, and
/// most come back within a minute. Other networks should not see a storm
/// of leaves and joins for that, so such QUITs are held for the configured
/// grace time: whoever rejoins within it never appears to have left; the
/// others leave when it ends, with the split as the reason.
extension IRCAdapter {
    struct PendingSplit {
        var nick: String
        /// Folded names of the channels they were in.
        var channels: Set<String>
        var reason: String
        var serial: Int
    }

    /// Whether a QUIT reason is a netsplit's: two server names (`*.net *.split`
    /// on networks that hide their servers).
    static func isNetsplit(_ reason: String?) -> Bool {
        guard let parts = reason?.split(separator: " ", omittingEmptySubsequences: false), parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            part.contains(".") && !part.hasPrefix(".") && !part.hasSuffix(".")
                && part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "*" }
        }
    }

    /// Holds a netsplit QUIT instead of bridging it.
    func heldQuit(_ nick: String, reason: String) {
        let folded = fold(nick)
        var held = Set<String>()
        for (key, channel) in channels where channel.members[folded] != nil {
            channels[key]?.members[folded] = nil
            held.insert(key)
        }
        guard !held.isEmpty else { return }
        splitSerial += 1
        let serial = splitSerial
        splits[folded] = PendingSplit(nick: nick, channels: held, reason: reason, serial: serial)
        let grace = configuration.netsplitGrace
        logger.debug("netsplit quit held", metadata: ["nick": "\(nick)", "reason": "\(reason)"])
        Task {
            try? await Task.sleep(for: grace)
            await self.splitEnded(folded, serial: serial)
        }
    }

    /// A JOIN from someone held by a split: back in time, nothing to show.
    /// Returns whether the join was such a return.
    func returnedFromSplit(_ nick: String, channel key: String) -> Bool {
        let folded = fold(nick)
        guard var split = splits[folded], split.channels.remove(key) != nil else { return false }
        channels[key]?.members[folded] = nick
        splits[folded] = split.channels.isEmpty ? nil : split
        return true
    }

    func splitEnded(_ folded: String, serial: Int) async {
        guard let split = splits[folded], split.serial == serial else { return }
        splits[folded] = nil
        for key in split.channels.sorted() {
            guard let channel = channels[key] else { continue }
            await route(.part(.quit, reason: split.reason), from: split.nick, in: channel.name)
        }
    }
}
