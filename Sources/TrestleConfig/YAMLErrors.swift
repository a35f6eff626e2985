import Yams

extension ConfigError {
    /// Turns an error thrown by Yams into a located ``ConfigError``.
    init(yamlError error: any Error, file: String) {
        guard let yamlError = error as? YamlError else {
            self.init(file: file, message: "invalid YAML: \(error)")
            return
        }
        switch yamlError {
        case let .scanner(context, problem, mark, yaml),
             let .parser(context, problem, mark, yaml),
             let .composer(context, problem, mark, yaml):
            var message = "invalid YAML: \(problem)"
            if character(atLine: mark.line, column: mark.column, in: yaml) == "\t" {
                message = "invalid YAML: a tab character here; YAML is indented with spaces only"
            } else if problem == "but found another document" {
                // Yams' own wording for a second `---` document.
                message = "invalid YAML: a second document begins here; the file must hold exactly one"
            } else if let context {
                if context.mark.line == mark.line, context.mark.column == mark.column {
                    message += " (\(context.text))"
                } else {
                    message += " (\(context.text), which starts at line \(context.mark.line), column \(context.mark.column))"
                }
            }
            self.init(file: file, line: mark.line, column: mark.column, message: message)
        case let .reader(problem, offset, _, yaml):
            let position = offset.map { lineAndColumn(ofCharacterOffset: $0, in: yaml) }
            self.init(
                file: file,
                line: position?.line,
                column: position?.column,
                message: "invalid YAML: \(problem)"
            )
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams points at the first occurrence of the (alphabetically
            // first) duplicated key.
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            let noun = duplicates.count == 1 ? "key" : "keys"
            self.init(
                file: file,
                line: context.mark.line,
                column: context.mark.column,
                message: "\(noun) \(keys) given more than once in the same mapping"
            )
        default:
            self.init(file: file, message: "invalid YAML: \(yamlError)")
        }
    }
}

/// The 1-based line and column of the character at `offset` (counted in
/// characters from the start of `text`).
private func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for character in text.prefix(offset) {
        if character.isNewline {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }
    return (line, column)
}

/// The Unicode scalar at a 1-based line and column (as Yams counts them).
private func character(atLine line: Int, column: Int, in text: String) -> Unicode.Scalar? {
    var currentLine = 1
    var currentColumn = 1
    for scalar in text.unicodeScalars {
        if currentLine == line, currentColumn == column {
            return scalar
        }
        if scalar == "\n" {
            if currentLine == line {
                return nil
            }
            currentLine += 1
            currentColumn = 1
        } else {
            currentColumn += 1
        }
    }
    return nil
}
