/// `text` as a JSON string literal (RFC 8259): quote, backslash and control
/// characters escaped, everything else left as UTF-8 — the same bytes serde_json
/// and Python's `json.dumps(ensure_ascii=False)` write.
///
/// ```swift
/// jsonQuoted("a \"b\"\n")  // "\"a \\\"b\\\"\\n\""
/// ```
public func jsonQuoted(_ text: String) -> String {
    var quoted = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": quoted += "\\\""
        case "\\": quoted += "\\\\"
        case "\n": quoted += "\\n"
        case "\r": quoted += "\\r"
        case "\t": quoted += "\\t"
        case "\u{08}": quoted += "\\b"
        case "\u{0C}": quoted += "\\f"
        case "\u{00}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: quoted.unicodeScalars.append(scalar)
        }
    }
    return quoted + "\""
}
