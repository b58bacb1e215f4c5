import ExptrainIO

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

    /// The value as a number, if it is one (an integer too); nil for text, flags and null.
    public var numericValue: Double? {
        switch self {
        case let .number(value): value
        case let .integer(value): Double(value)
        default: nil
        }
    }

    /// The value as JSON text.
    var jsonText: String {
        var text = UTF8Bytes()
        appendJSON(to: &text)
        return String(decoding: text.bytes, as: UTF8.self)
    }

    /// Appends the value's JSON text to `text`: a finite number's shortest round-trip
    /// digits (`description`'s), `null` for NaN and ±∞ and for `.null`, an integer's
    /// decimal digits, a quoted string, `true`/`false`.
    func appendJSON(to text: inout UTF8Bytes) {
        switch self {
        case let .number(value) where value.isFinite: value.write(to: &text)
        case let .integer(value): text.write(String(value))
        case let .string(string): text.appendJSONQuoted(string)
        case let .bool(flag): text.write(flag ? "true" : "false")
        case .number, .null: text.write("null")
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
