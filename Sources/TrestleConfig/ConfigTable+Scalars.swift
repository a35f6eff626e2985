import Yams

/// Getters for single values: strings, numbers, booleans and choices.
extension ConfigTable {
    // MARK: Strings

    /// The string at `key`, or `nil` when absent.
    ///
    /// - Parameter validate: returns a description of what is wrong with the
    ///   value, or `nil` when it is acceptable; a problem becomes a
    ///   ``ConfigError`` pointing at the value.
    public func optionalString(_ key: String, validate: ((String) -> String?)? = nil) throws(ConfigError) -> String? {
        guard let (entry, scalar) = try scalar(key, expected: "a string") else {
            return nil
        }
        if let validate, let problem = validate(scalar.string) {
            throw error(problem, at: entry)
        }
        return scalar.string
    }

    /// The string at `key`, which must be present.
    public func string(_ key: String, validate: ((String) -> String?)? = nil) throws(ConfigError) -> String {
        guard let value = try optionalString(key, validate: validate) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The string at `key`, or `default` when absent.
    public func string(_ key: String, default: String, validate: ((String) -> String?)? = nil) throws(ConfigError) -> String {
        try optionalString(key, validate: validate) ?? `default`
    }

    // MARK: Integers

    /// The integer at `key`, or `nil` when absent. Integers are decimal,
    /// optionally signed, and may group digits with `_` (`262_144`).
    public func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int? {
        let expected = "an integer" + (range.map { " " + describeRange($0) } ?? "")
        guard let (entry, scalar) = try scalar(key, expected: expected) else {
            return nil
        }
        guard let value = parseInteger(scalar.string), range?.contains(value) ?? true else {
            throw error("expected \(expected), found \(describe(.scalar(scalar)))", at: entry)
        }
        return value
    }

    /// The integer at `key`, which must be present (and within `range`, if given).
    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        guard let value = try optionalInt(key, in: range) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The integer at `key`, or `default` when absent.
    public func int(_ key: String, default: Int, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        try optionalInt(key, in: range) ?? `default`
    }

    // MARK: Decimal numbers

    /// The number at `key`, or `nil` when absent. Integers are accepted;
    /// infinities and NaN are not.
    public func optionalDouble(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double? {
        let expected = "a number" + (range.map { " " + describeRange($0) } ?? "")
        guard let (entry, scalar) = try scalar(key, expected: expected) else {
            return nil
        }
        guard let value = parseDecimal(scalar.string), range?.contains(value) ?? true else {
            throw error("expected \(expected), found \(describe(.scalar(scalar)))", at: entry)
        }
        return value
    }

    /// The number at `key`, which must be present.
    public func double(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        guard let value = try optionalDouble(key, in: range) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The number at `key`, or `default` when absent.
    public func double(_ key: String, default: Double, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        try optionalDouble(key, in: range) ?? `default`
    }

    // MARK: Booleans

    /// The boolean at `key`, or `nil` when absent: `true`/`false`, and also
    /// `yes`/`no` and `on`/`off`, in any case.
    public func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let (entry, scalar) = try scalar(key, expected: "true or false") else {
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on":
            return true
        case "false", "no", "off":
            return false
        default:
            throw error("expected true or false, found \(describe(.scalar(scalar)))", at: entry)
        }
    }

    /// The boolean at `key`, which must be present.
    public func bool(_ key: String) throws(ConfigError) -> Bool {
        guard let value = try optionalBool(key) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// The boolean at `key`, or `default` when absent.
    public func bool(_ key: String, default: Bool) throws(ConfigError) -> Bool {
        try optionalBool(key) ?? `default`
    }

    // MARK: Choices

    /// One of the cases of `Choice` at `key`, by raw value (ignoring case),
    /// or `nil` when absent.
    public func optionalChoice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        as type: Choice.Type = Choice.self
    ) throws(ConfigError) -> Choice? where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let expected = "one of " + names.joined(separator: ", ")
        guard let (entry, scalar) = try scalar(key, expected: expected) else {
            return nil
        }
        let text = scalar.string.lowercased()
        guard let choice = Choice.allCases.first(where: { $0.rawValue.lowercased() == text }) else {
            throw error("expected \(expected), found \(describe(.scalar(scalar)))", at: entry)
        }
        return choice
    }

    /// One of the cases of `Choice` at `key`, which must be present.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        as type: Choice.Type = Choice.self
    ) throws(ConfigError) -> Choice where Choice.RawValue == String {
        guard let value = try optionalChoice(key, as: type) else {
            throw missingKeyError(key)
        }
        return value
    }

    /// One of the cases of `Choice` at `key`, or `default` when absent.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        default: Choice
    ) throws(ConfigError) -> Choice where Choice.RawValue == String {
        try optionalChoice(key, as: Choice.self) ?? `default`
    }
}

// MARK: - Parsing and describing numbers

/// A decimal integer: optional sign, digits, `_` allowed between digits.
/// Unlike YAML 1.1, a leading zero does not make it octal.
func parseInteger(_ text: String) -> Int? {
    var digits = Substring(text)
    var negative = false
    if let sign = digits.first, sign == "-" || sign == "+" {
        negative = sign == "-"
        digits = digits.dropFirst()
    }
    guard let first = digits.first, let last = digits.last, first.isASCIIDigit, last.isASCIIDigit,
          digits.allSatisfy({ $0.isASCIIDigit || $0 == "_" }), !digits.contains("__") else {
        return nil
    }
    return Int((negative ? "-" : "") + digits.filter { $0 != "_" })
}

/// A finite decimal number such as `1`, `-0.5`, `1.5e3` or `1_000.25`.
func parseDecimal(_ text: String) -> Double? {
    guard !text.isEmpty, text.allSatisfy({ $0.isASCIIDigit || "+-._eE".contains($0) }),
          text.contains(where: \.isASCIIDigit),
          let value = Double(text.filter { $0 != "_" }), value.isFinite else {
        return nil
    }
    return value
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// "between 1 and 65535", "of at least 1", "of at most 10".
func describeRange<Bound: Comparable & CustomStringConvertible>(
    _ range: ClosedRange<Bound>,
    minimum: Bound? = nil,
    maximum: Bound? = nil,
    format: (Bound) -> String = { $0.description }
) -> String {
    if range.upperBound == maximum {
        return "of at least \(format(range.lowerBound))"
    }
    if range.lowerBound == minimum {
        return "of at most \(format(range.upperBound))"
    }
    return "between \(format(range.lowerBound)) and \(format(range.upperBound))"
}

func describeRange(_ range: ClosedRange<Int>) -> String {
    describeRange(range, minimum: Int.min, maximum: Int.max)
}

func describeRange(_ range: ClosedRange<Double>) -> String {
    describeRange(range, minimum: -Double.greatestFiniteMagnitude, maximum: Double.greatestFiniteMagnitude)
}
