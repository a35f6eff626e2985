#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cheap hash of a C string for the name and value caches: its length and
/// up to 16 bytes from its two ends, mixed. Collisions only cost a `memcmp`,
/// which every lookup does anyway, so reading every byte (as FNV would)
/// buys nothing.
enum QuickHash {
    /// The string's length (found with `strlen`) and its hash.
    static func measure(_ bytes: UnsafePointer<UInt8>) -> (length: Int, hash: UInt64) {
        let length = strlen(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self))
        var head: UInt64 = 0
        var tail: UInt64 = 0
        let raw = UnsafeRawPointer(bytes)
        if length >= 8 {
            head = raw.loadUnaligned(as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
        } else {
            for index in 0..<length { head = head << 8 | UInt64(bytes[index]) }
        }
        var hash = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ head) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ tail ^ (hash >> 29)) &* 0x94D0_49BB_1331_11EB
        return (length, hash ^ (hash >> 32))
    }
}
