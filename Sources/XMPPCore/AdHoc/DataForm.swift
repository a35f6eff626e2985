import XMLStream

/// A XEP-0004 data form: what an ad-hoc command (XEP-0050) shows a user
/// and what the user's client sends back. Only the parts Trestle's
/// commands use are modelled: typed fields with values, a label and a
/// description; no validation layouts, no reported tables.
public struct DataForm: Sendable, Equatable {
    public static let namespace = "jabber:x:data"

    public enum FormType: String, Sendable { case form, submit, cancel, result }

    /// One field; `type` is XEP-0004's (`text-single`, `text-private`,
    /// `text-multi`, `boolean`, `list-single`, `hidden`, `fixed`…).
    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: String?
        public var label: String?
        public var description: String?
        public var values: [String]
        public var options: [String]

        public init(_ name: String, type: String? = nil, label: String? = nil, description: String? = nil,
                    values: [String] = [], options: [String] = []) {
            self.name = name
            self.type = type
            self.label = label
            self.description = description
            self.values = values
            self.options = options
        }
    }

    public var type: FormType
    public var title: String?
    public var instructions: String?
    public var fields: [Field]

    public init(type: FormType, title: String? = nil, instructions: String? = nil, fields: [Field] = []) {
        self.type = type
        self.title = title
        self.instructions = instructions
        self.fields = fields
    }

    /// Reads a `<x xmlns='jabber:x:data'/>` element; nil for anything else.
    public init?(_ element: XMPPElement) {
        guard element.name == "x", element.namespace == Self.namespace,
              let type = element.attribute("type").flatMap(FormType.init) else { return nil }
        self.type = type
        title = element.child("title", namespace: Self.namespace)?.text
        instructions = element.child("instructions", namespace: Self.namespace)?.text
        fields = element.elements.filter { $0.name == "field" && $0.namespace == Self.namespace }.compactMap { field in
            guard let name = field.attribute("var") else { return nil }
            return Field(name, type: field.attribute("type"), label: field.attribute("label"),
                         values: field.elements.filter { $0.name == "value" }.map(\.text))
        }
    }

    /// The values of the field `name` (none when it is absent).
    public func values(_ name: String) -> [String] {
        fields.first { $0.name == name }?.values ?? []
    }

    /// The first value of the field `name`, when there is one.
    public func value(_ name: String) -> String? {
        values(name).first
    }

    /// A boolean field's value (XEP-0004 §3.3: `1`/`true`, `0`/`false`).
    public func bool(_ name: String) -> Bool? {
        switch value(name) {
        case "1", "true": true
        case "0", "false": false
        default: nil
        }
    }

    public var element: XMPPElement {
        var x = XMPPElement("x", namespace: Self.namespace, ["type": type.rawValue])
        if let title { x.append(XMPPElement("title", namespace: Self.namespace, text: title)) }
        if let instructions { x.append(XMPPElement("instructions", namespace: Self.namespace, text: instructions)) }
        for field in fields {
            var element = XMPPElement("field", namespace: Self.namespace,
                                      ["var": field.name, "type": field.type, "label": field.label])
            if let description = field.description {
                element.append(XMPPElement("desc", namespace: Self.namespace, text: description))
            }
            for value in field.values { element.append(XMPPElement("value", namespace: Self.namespace, text: value)) }
            for option in field.options {
                element.append(XMPPElement("option", namespace: Self.namespace, children: [
                    XMPPElement("value", namespace: Self.namespace, text: option)]))
            }
            x.append(element)
        }
        return x
    }
}
