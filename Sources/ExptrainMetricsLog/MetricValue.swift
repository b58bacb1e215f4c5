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
