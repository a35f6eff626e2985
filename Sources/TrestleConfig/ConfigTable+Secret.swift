import Yams

/// The getter for passwords and shared secrets.
///
/// A secret `key` can be given in exactly one of three ways, so that it
/// need not sit in the configuration file:
///
/// ```yaml
/// secret: hunter2                        # inline
/// secret_env: TRESTLE_COMPONENT_SECRET   # from an environment variable
/// secret_file: /run/secrets/component    # from a file (trailing newlines dropped)
/// ```
///
/// A relative `_file` path is taken from the configuration file's directory.
/// Error messages never include a secret's value.
extension ConfigTable {
    /// The secret at `key` (or `key_env`, or `key_file`), or `nil` when none of them is given.
    public func optionalSecret(_ key: String) throws(ConfigError) -> Secret? {
        let forms = [key, key + "_env", key + "_file"]
        let given = forms.compactMap { form in value(form).map { (form: form, entry: $0.entry, node: $0.node) } }
        if given.count > 1 {
            let ordered = given.sorted { lhs, rhs in
                (lhs.entry.keyMark?.line ?? 0, lhs.entry.keyMark?.column ?? 0)
                    < (rhs.entry.keyMark?.line ?? 0, rhs.entry.keyMark?.column ?? 0)
            }
            let first = ordered[0].entry
            let firstLine = first.keyMark.map { " on line \($0.line)" } ?? ""
            throw error(
                "conflicts with '\(first.name)'\(firstLine); give only one of '\(forms[0])', '\(forms[1])' or '\(forms[2])'",
                at: ordered[1].entry
            )
        }
        guard let (form, entry, node) = given.first else {
            return nil
        }
        guard case .scalar(let scalar) = node else {
            let expected = switch form {
            case forms[1]: "the name of an environment variable"
            case forms[2]: "a file path"
            default: "a string"
            }
            throw error("expected \(expected), found \(describe(node))", at: entry)
        }
        switch form {
        case forms[1]:
            let name = scalar.string
            guard let value = context.environment[name] else {
                throw error("environment variable \(name) is not set", at: entry)
            }
            guard !value.isEmpty else {
                throw error("environment variable \(name) is empty", at: entry)
            }
            return Secret(value, source: .environment(name))
        case forms[2]:
            let path = context.resolve(path: scalar.string)
            // Name the file as written, and where that led when it was relative.
            let shown = path == scalar.string ? "'\(path)'" : "'\(scalar.string)' ('\(path)')"
            let contents: String
            switch readTextFile(atPath: path) {
            case .success(let text):
                contents = text
            case .failure(let reason):
                throw error("cannot read secret file \(shown): \(reason)", at: entry)
            }
            let value = String(contents.reversed().drop(while: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).reversed())
            guard !value.isEmpty else {
                throw error("secret file \(shown) is empty", at: entry)
            }
            return Secret(value, source: .file(path))
        default:
            guard !scalar.string.isEmpty else {
                throw error("must not be empty", at: entry)
            }
            return Secret(scalar.string, source: .inline)
        }
    }

    /// The secret at `key` (or `key_env`, or `key_file`), which must be given.
    public func secret(_ key: String) throws(ConfigError) -> Secret {
        guard let secret = try optionalSecret(key) else {
            let alternatives = " (or '\(key)_env' / '\(key)_file')"
            for form in [key, key + "_env", key + "_file"] where contains(form) {
                throw missingKeyError(form)
            }
            throw missingKeyError(key, alternatives: alternatives)
        }
        return secret
    }
}
