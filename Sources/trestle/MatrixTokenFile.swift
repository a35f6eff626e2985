import Foundation
import MatrixBridge

/// The two Matrix application service tokens, kept in their own file
/// (readable by its owner only) rather than in the configuration:
/// `trestle matrix-registration` makes them once, at random, and the same
/// tokens go into the registration file the homeserver reads.
struct MatrixTokenFile: Sendable {
    var asToken: String
    var hsToken: String

    /// Reads the file at `path`.
    static func load(_ path: String) throws -> MatrixTokenFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AssemblyError("\(path): no Matrix tokens file; run `trestle matrix-registration --config FILE` first")
        }
        guard let json = MatrixJSON.parse(Array(data)), let asToken = json["as_token"].string,
              let hsToken = json["hs_token"].string, asToken.count >= 16, hsToken.count >= 16
        else {
            throw AssemblyError("\(path): not a Matrix tokens file (JSON with as_token and hs_token of 16 characters or more)")
        }
        return MatrixTokenFile(asToken: asToken, hsToken: hsToken)
    }

    /// Reads the file at `path`, or makes one with new random tokens.
    static func loadOrCreate(_ path: String) throws -> (tokens: MatrixTokenFile, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(path), false) }
        let tokens = MatrixTokenFile(asToken: MatrixRegistration.randomToken(), hsToken: MatrixRegistration.randomToken())
        let json: MatrixJSON = ["as_token": .string(tokens.asToken), "hs_token": .string(tokens.hsToken)]
        guard FileManager.default.createFile(atPath: path, contents: Data((json.serialized + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600])
        else { throw AssemblyError("\(path): cannot write the Matrix tokens file") }
        return (tokens, true)
    }
}
