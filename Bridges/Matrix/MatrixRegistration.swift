import Foundation

/// The application service registration file a homeserver reads at start
/// (Synapse's `app_service_config_files`, Conduit's `register-appservice`
/// admin command): who Trestle is, where to reach it, the two tokens and
/// the namespaces it owns exclusively.
public enum MatrixRegistration {
    /// The registration YAML for `configuration`; `url` is where the
    /// homeserver reaches the application service API.
    public static func yaml(for configuration: MatrixConfiguration, url: String) -> String {
        let names = configuration.names
        return """
            # Application service registration for Trestle, written by `trestle matrix-registration`.
            # Give this file to the homeserver (Synapse: app_service_config_files) and restart it.
            id: \(quoted(configuration.registrationID))
            url: \(quoted(url))
            as_token: \(quoted(configuration.asToken))
            hs_token: \(quoted(configuration.hsToken))
            sender_localpart: \(quoted(configuration.botLocalpart))
            rate_limited: false
            receive_ephemeral: \(configuration.typing)
            namespaces:
              users:
                - exclusive: true
                  regex: \(quoted(names.userNamespaceRegex))
              aliases:
                - exclusive: true
                  regex: \(quoted(names.aliasNamespaceRegex))
              rooms: []

            """
    }

    /// A YAML single-quoted scalar (only `'` needs escaping there).
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A new random token: 32 bytes as 64 hex digits.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var output = ""
        for _ in 0..<4 {
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            output += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return output
    }
}
