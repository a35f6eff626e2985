import Foundation
import IRCBridge
import XMPPCore

/// The form of the "Configure" command (`IRCSettingsCommand`): a person's
/// `IRCUserSettings` as XEP-0004 fields, and back, with every value
/// checked so that nothing a user types can become a second IRC command
/// or an impossible registration. Field names are biboumi's where it has
/// the same setting, so people moving over recognise them.
enum IRCSettingsForm {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func form(_ settings: IRCUserSettings, host: String) -> DataForm {
        DataForm(type: .form, title: "Configure your connection to \(host)",
                 instructions: "Empty fields use the bridge's defaults.", fields: [
            .init("nick", type: "text-single", label: "Nickname", values: settings.nick.map { [$0] } ?? []),
            .init("username", type: "text-single", label: "Username", values: settings.username.map { [$0] } ?? []),
            .init("realname", type: "text-single", label: "Realname", values: settings.realName.map { [$0] } ?? []),
            .init("sasl_account", type: "text-single", label: "SASL account (your nick when empty)",
                  values: settings.saslAccount.map { [$0] } ?? []),
            .init("sasl_password", type: "text-private", label: "SASL password (empty: no SASL)",
                  values: settings.saslPassword.map { [$0] } ?? []),
            .init("tls_ports", type: "text-multi", label: "TLS ports (tried first)", values: settings.tlsPorts.map(String.init)),
            .init("ports", type: "text-multi", label: "Ports without TLS", values: settings.ports.map(String.init)),
            .init("autojoin", type: "text-multi", label: "Channels to join when the bridge starts", values: settings.autoJoin),
            .init("persistent", type: "text-multi", label: "Channels to stay in when you leave", values: settings.persistent),
        ])
    }

    static func settings(from form: DataForm) throws -> IRCUserSettings {
        IRCUserSettings(
            nick: try single(form, "nick", check: nick), username: try single(form, "username", check: username),
            realName: try single(form, "realname", check: line), saslAccount: try single(form, "sasl_account", check: line),
            saslPassword: try single(form, "sasl_password", check: line),
            tlsPorts: try ports(form, "tls_ports"), ports: try ports(form, "ports"),
            autoJoin: try channels(form, "autojoin"), persistent: try channels(form, "persistent"))
    }

    private static func single(_ form: DataForm, _ name: String, check: (String) throws -> Void) throws -> String? {
        guard let value = form.value(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        try check(value)
        return value
    }

    /// Lines of a text-multi field, trimmed, empty ones skipped (clients
    /// send one value per line, some one value with newlines).
    private static func lines(_ form: DataForm, _ name: String) -> [String] {
        form.values(name).flatMap { $0.split(whereSeparator: \.isNewline) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func ports(_ form: DataForm, _ name: String) throws -> [Int] {
        try lines(form, name).map { text in
            guard let port = Int(text), (1...65535).contains(port) else {
                throw Invalid(description: "\(name): '\(text)' is not a port (1–65535)")
            }
            return port
        }
    }

    private static func channels(_ form: DataForm, _ name: String) throws -> [String] {
        var seen: Set<String> = []
        return try lines(form, name).compactMap { channel in
            guard channel.count > 1, channel.first == "#" || channel.first == "&",
                  !channel.contains(where: { $0 == " " || $0 == "," || $0 == "\u{7}" || $0 == "%" || $0 == "@" || $0 == "/" }),
                  channel.utf8.count <= 200 else {
                throw Invalid(description: "\(name): '\(channel)' is not a channel name (#name, no spaces, commas, %, @ or /)")
            }
            return seen.insert(channel.lowercased()).inserted ? channel : nil
        }
    }

    private static func line(_ value: String) throws {
        guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }), value.utf8.count <= 300 else {
            throw Invalid(description: "'\(value.prefix(20))…' is too long or holds a line break")
        }
    }

    private static func nick(_ value: String) throws {
        guard let first = value.first, !"#&:$0123456789-".contains(first), value.utf8.count <= 50,
              !value.contains(where: { " ,*?!@.\r\n\0".contains($0) }) else {
            throw Invalid(description: "nick: '\(value)' is not an IRC nick")
        }
    }

    private static func username(_ value: String) throws {
        guard value.utf8.count <= 50, !value.contains(where: { " @\r\n\0".contains($0) }) else {
            throw Invalid(description: "username: '\(value)' is not a username (no spaces or @)")
        }
    }
}
