import Crypto

/// The XEP-0114 §3 handshake value: the lower-case hex SHA-1 of the stream
/// id the server chose followed by the shared secret.
public enum ComponentHandshake {
    public static func digest(streamID: String, secret: String) -> String {
        let hash = Insecure.SHA1.hash(data: Array((streamID + secret).utf8))
        return hash.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
