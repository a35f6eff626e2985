import Crypto

/// The hs_token, kept as its SHA-256 digest and compared in constant time:
/// a request's token is hashed and all 32 bytes compared, so neither the
/// time taken nor the token's length leaks how close a guess was.
struct MatrixAccessToken: Sendable {
    private let digest: [UInt8]

    init(_ token: String) {
        digest = Self.hash(token)
    }

    static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    func matches(_ candidate: String) -> Bool {
        let other = Self.hash(candidate)
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ other[index] }
        return difference == 0
    }
}
