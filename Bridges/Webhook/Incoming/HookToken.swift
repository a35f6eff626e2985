import Crypto

/// An incoming hook's secret token, kept only as its SHA-256 digest and
/// compared in constant time: a request's token is hashed and compared
/// with every hook's digest, always all of them and all 32 bytes each, so
/// neither the time taken nor which hook matched leaks how much of a guess
/// was right. Hashing first also hides the token's length.
struct HookToken: Sendable {
    private let digest: [UInt8]

    init(_ token: String) {
        digest = Self.hash(token)
    }

    static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `candidate` (a request's digest) is this token, in constant time.
    func matches(_ candidate: [UInt8]) -> Bool {
        Self.constantTimeEqual(digest, candidate)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
