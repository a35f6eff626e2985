import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where Trestle may fetch a link that came from someone on a network (an
/// XMPP user's upload uploaded to Matrix, a webhook's icon, a Matrix user's
/// avatar): not from loopback, private, link-local, shared (CGNAT),
/// multicast or unspecified addresses, unless the operator allows private
/// addresses (`fetch.private_addresses`), and always from Trestle's own
/// links (`isOwn`: its HTTP endpoint's pictures, its Matrix media links).
///
/// Without it anyone in a bridged room could make Trestle read what only
/// its host can reach (a cloud metadata service, a local admin page) and
/// post the answer into a room. The host's every address is checked
/// before the fetch; the HTTP client resolves the name again, so a name
/// whose answers change between the two lookups is not fully covered.
public struct LinkFetchPolicy: Sendable {
    public var allowPrivateAddresses: Bool
    /// Trestle's own links, fetched whatever their address.
    public var isOwn: @Sendable (String) -> Bool

    public init(allowPrivateAddresses: Bool = false, isOwn: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.isOwn = isOwn
    }

    /// Why `url` may not be fetched, or nil when it may.
    public func refusal(_ url: String) async -> String? {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { return "not an http(s) link" }
        if isOwn(url) || allowPrivateAddresses { return nil }
        guard let host = Self.host(of: url) else { return "no host in the link" }
        let addresses = await Self.resolve(host)
        guard !addresses.isEmpty else { return "the host does not resolve" }
        if let inner = addresses.first(where: { !Self.isPublic($0) }) {
            return "the host has a non-public address (\(Self.describe(inner)))"
        }
        return nil
    }

    /// The host of an http(s) URL (brackets of an IPv6 literal removed).
    static func host(of url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        var rest = url[scheme.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }

    /// An address: 4 bytes (IPv4) or 16 (IPv6).
    public typealias Address = [UInt8]

    /// Whether `address` is on the public internet.
    public static func isPublic(_ address: Address) -> Bool {
        if address.count == 16 {
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible: judge the IPv4 address.
            if address[0..<10].allSatisfy({ $0 == 0 }) && ((address[10] == 0xff && address[11] == 0xff)
                || (address[10] == 0 && address[11] == 0)) {
                if address[10] == 0 && address[12..<16].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
                return isPublic(Array(address[12..<16]))
            }
            if address[0] & 0xfe == 0xfc { return false }                    // fc00::/7 unique local
            if address[0] == 0xfe && address[1] & 0xc0 == 0x80 { return false } // fe80::/10 link-local
            if address[0] == 0xfe && address[1] & 0xc0 == 0xc0 { return false } // fec0::/10 site-local
            if address[0] == 0xff { return false }                            // multicast
            if address[0] == 0x20 && address[1] == 0x01 && address[2] == 0x0d && address[3] == 0xb8 { return false }
            return true
        }
        guard address.count == 4 else { return false }
        switch (address[0], address[1]) {
        case (0, _), (10, _), (127, _): return false
        case (100, 64...127): return false        // shared address space (CGNAT)
        case (169, 254): return false
        case (172, 16...31): return false
        case (192, 168): return false
        case (198, 18...19): return false
        case (224...255, _): return false         // multicast, reserved, broadcast
        default: return !(address[0] == 192 && address[1] == 0 && (address[2] == 0 || address[2] == 2))
        }
    }

    static func describe(_ address: Address) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: address.count, by: 2).map {
            String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16)
        }.joined(separator: ":")
    }

    /// Every address `host` resolves to (a blocking lookup, run off the
    /// task pool).
    static func resolve(_ host: String) async -> [Address] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_family = AF_UNSPEC
                #if canImport(Glibc)
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                #else
                hints.ai_socktype = SOCK_STREAM
                #endif
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(first) }
                var addresses: [Address] = []
                var entry: UnsafeMutablePointer<addrinfo>? = first
                while let current = entry {
                    if let socket = current.pointee.ai_addr {
                        if current.pointee.ai_family == AF_INET {
                            socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                                var raw = address.pointee.sin_addr
                                addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                            }
                        } else if current.pointee.ai_family == AF_INET6 {
                            socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                                var raw = address.pointee.sin6_addr
                                addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                            }
                        }
                    }
                    entry = current.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
