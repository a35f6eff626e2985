#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns expat's `"namespace-uri local-name"` C strings into Swift strings
/// once per distinct name, not once per element.
///
/// An XMPP stream repeats a handful of names (`message`, `body`,
/// `jabber:component:accept`, …) millions of times; making a fresh `String`
/// for each was the largest cost of building stanza trees. Lookups touch no
/// reference counts: the known names' bytes live in one pool compared with
/// `memcmp`. The table is bounded so a peer inventing names cannot grow it:
/// past `capacity` names, new ones are still decoded, just not remembered.
struct NameTable {
    struct Name {
        var namespace: String
        var local: String
    }

    private struct Key {
        var hash: UInt64
        var offset: Int
        var length: Int
    }

    private static let slotCount = 1024  // a power of two, twice `capacity`
    private static let capacity = 512
    private static let maxPoolBytes = 64 * 1024
    private var slots = [Int32](repeating: -1, count: NameTable.slotCount)
    private var keys: [Key] = []
    private var names: [Name] = []
    private var pool: [UInt8] = []

    /// `separator` must be the one the parser was created with.
    let separator: UInt8

    init(separator: UInt8) {
        self.separator = separator
    }

    mutating func name(_ cString: UnsafePointer<CChar>) -> Name {
        let bytes = UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self)
        let (length, hash) = QuickHash.measure(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        let found: Int? = slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                pool.withUnsafeBufferPointer { pool in
                    while true {
                        let index = Int(slots[slot])
                        if index < 0 { return nil }
                        let key = keys[index]
                        if key.hash == hash && key.length == length
                            && memcmp(pool.baseAddress! + key.offset, bytes, length) == 0 {
                            return index
                        }
                        slot = (slot + 1) & (Self.slotCount - 1)
                    }
                }
            }
        }
        if let found { return names[found] }
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        let name = Self.split(buffer, separator: separator)
        if names.count < Self.capacity && pool.count + length <= Self.maxPoolBytes {
            slots[slot] = Int32(names.count)
            keys.append(Key(hash: hash, offset: pool.count, length: length))
            pool.append(contentsOf: buffer)
            names.append(name)
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
