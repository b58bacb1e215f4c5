/// One value in a `metrics.jsonl` record, written as the matching JSON value.
///
/// Literals convert directly, so a record reads like the JSON it becomes:
///
/// ```swift
/// let record: [(String, MetricValue)] = [("step", 1000), ("return", 212.4), ("tag", "cartpole"), ("done", false), ("success", nil)]
/// ```
public enum MetricValue: Sendable, Equatable {
    /// A real number, written in its shortest round-trip form (`0.1`, `1e-05`);
    /// infinities and NaN become `null`, which JSON has no numbers for.
    case number(Double)
    /// An integer, written exactly.
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null

    /// The value as JSON text.
    var jsonText: String {
        switch self {
        case let .number(value): value.isFinite ? value.description : "null"
        case let .integer(value): String(value)
        case let .string(text): jsonQuoted(text)
        case let .bool(flag): flag ? "true" : "false"
        case .null: "null"
        }
    }
}

extension MetricValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// `text` as a JSON string literal: quote, backslash and control characters escaped,
/// everything else left as UTF-8.
func jsonQuoted(_ text: String) -> String {
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
