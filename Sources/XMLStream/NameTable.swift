/// Turns expat's `"namespace-uri local-name"` C strings into Swift strings
/// once per distinct name, not once per element.
///
/// An XMPP stream repeats a handful of names (`message`, `body`,
/// `jabber:component:accept`, …) millions of times; making a fresh `String`
/// for each was the largest cost of building stanza trees. The table is
/// bounded so a peer inventing names cannot grow it: past `capacity` names,
/// new ones are still decoded, just not remembered.
struct NameTable {
    struct Name {
        var namespace: String
        var local: String
    }

    private struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var name: Name
    }

    private static let slotCount = 1024  // power of two, twice `capacity`
    private let capacity = 512
    private var slots = [Int32](repeating: -1, count: NameTable.slotCount)
    private var entries: [Entry] = []

    /// `separator` must be the one the parser was created with.
    let separator: UInt8

    init(separator: UInt8) {
        self.separator = separator
    }

    mutating func name(_ cString: UnsafePointer<CChar>) -> Name {
        let bytes = UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self)
        var length = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        while bytes[length] != 0 {
            hash = (hash ^ UInt64(bytes[length])) &* 0x100_0000_01b3
            length += 1
        }
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        var slot = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        while true {
            let index = slots[slot]
            if index < 0 { break }
            let entry = entries[Int(index)]
            if entry.hash == hash && entry.bytes.elementsEqual(buffer) { return entry.name }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        let name = Self.split(buffer, separator: separator)
        if entries.count < capacity {
            slots[slot] = Int32(entries.count)
            entries.append(Entry(hash: hash, bytes: Array(buffer), name: name))
        }
        return name
    }

    /// Splits at the last separator: a local name never contains one, a
    /// namespace URI might.
    static func split(_ buffer: UnsafeBufferPointer<UInt8>, separator: UInt8) -> Name {
        guard let cut = buffer.lastIndex(of: separator) else {
            return Name(namespace: "", local: String(decoding: buffer, as: UTF8.self))
        }
        return Name(
            namespace: String(decoding: UnsafeBufferPointer(rebasing: buffer[..<cut]), as: UTF8.self),
            local: String(decoding: UnsafeBufferPointer(rebasing: buffer[(cut + 1)...]), as: UTF8.self)
        )
    }
}
