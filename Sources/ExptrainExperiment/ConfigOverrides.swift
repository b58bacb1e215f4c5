/// A value type that `--config key=value` can set.
public protocol ConfigValue: Sendable, CustomStringConvertible {
    /// Parses the command line's text, or returns `nil` if it is not a valid value.
    init?(configText: String)
    /// What kind of value this is, for error messages ("an integer").
    static var configTypeName: String { get }
}

extension Int: ConfigValue {
    public init?(configText: String) { self.init(String(configText.filter { $0 != "_" })) }
    public static var configTypeName: String { "an integer" }
}

extension UInt64: ConfigValue {
    public init?(configText: String) { self.init(String(configText.filter { $0 != "_" })) }
    public static var configTypeName: String { "a non-negative integer" }
}

extension Float: ConfigValue {
    public init?(configText: String) {
        guard let value = Float(configText), value.isFinite else { return nil }
        self = value
    }
    public static var configTypeName: String { "a number" }
}

extension Double: ConfigValue {
    public init?(configText: String) {
        guard let value = Double(configText), value.isFinite else { return nil }
        self = value
    }
    public static var configTypeName: String { "a number" }
}

extension Bool: ConfigValue {
    public init?(configText: String) {
        switch configText.lowercased() {
        case "true", "yes", "1": self = true
        case "false", "no", "0": self = false
        default: return nil
        }
    }
    public static var configTypeName: String { "true or false" }
}

extension String: ConfigValue {
    public init?(configText: String) { self = configText }
    public static var configTypeName: String { "a string" }
}

/// The `--config key=value` pairs of a run, read by an experiment's `init(overrides:)`.
///
/// An experiment asks for each setting it has, with its default; asking also
/// declares the key, so after `init` any pair nobody asked for is an unknown key,
/// reported with the list of the experiment's real keys. An experiment made with no
/// overrides tells its keys and defaults (`exptrain <tag> --help` lists them):
/// `ConfigOverrides([])` passed to `init(overrides:)`, then `settings`.
///
/// ```swift
/// init(overrides: ConfigOverrides) throws {
///     numSteps = try overrides.value("numSteps", default: 128)
///     learningRate = try overrides.value("learningRate", default: Float(2.5e-4))
/// }
/// ```
public final class ConfigOverrides {
    private let given: [String: String]
    /// The keys read so far, in order, each with the value in force.
    private var declared: [(setting: Setting, value: String)] = []

    /// A key an experiment read, with its default and the kind of value it takes.
    public struct Setting: Sendable, Equatable {
        public let key: String
        /// The default's text, as `--config key=<text>` would give it.
        public let defaultValue: String
        /// What kind of value the key takes ("an integer").
        public let typeName: String
    }

    /// Overrides from `key=value` texts as typed after `--config`.
    public init(_ pairs: [String]) throws {
        var given: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ExperimentError("--config '\(pair)' is not key=value; write it like --config numSteps=256")
            }
            let key = String(pair[..<equals])
            guard given[key] == nil else {
                throw ExperimentError("--config sets '\(key)' twice; give each key once")
            }
            given[key] = String(pair[pair.index(after: equals)...])
        }
        self.given = given
    }

    /// No overrides: every setting takes its default.
    public convenience init() {
        try! self.init([])
    }

    /// The value for `key`: the override if one was given, else `defaultValue`.
    ///
    /// Throws when the override's text is not a valid `T`.
    public func value<T: ConfigValue>(_ key: String, default defaultValue: T) throws -> T {
        var result = defaultValue
        if let text = given[key] {
            guard let parsed = T(configText: text) else {
                throw ExperimentError("--config \(key)=\(text): expected \(T.configTypeName), for example \(key)=\(defaultValue)")
            }
            result = parsed
        }
        declared.removeAll { $0.setting.key == key }
        declared.append((Setting(key: key, defaultValue: defaultValue.description, typeName: T.configTypeName), result.description))
        return result
    }

    /// The settings the experiment declared, in the order it read them, with the
    /// values in force (for `config.json` and `--list`).
    public var resolved: [(key: String, value: String)] { declared.map { ($0.setting.key, $0.value) } }

    /// Every key read with `value(_:default:)`, in the order read, with its default
    /// (whatever was given for it).
    public var settings: [Setting] { declared.map(\.setting) }

    /// Throws if a given key was never asked for by `experiment`'s initialiser.
    public func checkAllKeysKnown(experiment: String) throws {
        let known = Set(declared.map(\.setting.key))
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            let choices = declared.map(\.setting.key).joined(separator: ", ")
            throw ExperimentError(
                "--config \(unknown)=…: \(experiment) has no setting '\(unknown)'; its settings are: \(choices.isEmpty ? "none" : choices)")
        }
    }
}
