import ExptrainEnvironment
import Foundation

/// Which Gymnasium environment a worker makes, and how.
///
/// ```swift
/// // gymnasium.make("HalfCheetah-v5", ctrl_cost_weight=0.1)
/// let cheetah = try GymnasiumEnvironment(id: "HalfCheetah-v5", keywordArguments: #"{"ctrl_cost_weight": 0.1}"#)
/// // import minatar.gym; minatar.gym.register_envs(); gymnasium.make("MinAtar/Breakout-v1")
/// let breakout = try GymnasiumEnvironment(id: "MinAtar/Breakout-v1", setup: "minatar.gym:register_envs")
/// // Gymnasium's own syntax: imports my_module (which registers MyEnv-v0) first
/// let mine = try GymnasiumEnvironment(id: "my_module:MyEnv-v0")
/// // FrameStackObservation(AtariPreprocessing(make("ALE/Breakout-v5", frameskip=1), noop_max=30), stack_size=4)
/// let atari = try GymnasiumEnvironment(id: "ALE/Breakout-v5", keywordArguments: #"{"frameskip": 1}"#, imports: ["ale_py"],
///     wrappers: #"[{"wrapper": "gymnasium.wrappers:AtariPreprocessing", "kwargs": {"noop_max": 30}}, "#
///         + #"{"wrapper": "gymnasium.wrappers:FrameStackObservation", "kwargs": {"stack_size": 4}}]"#)
/// ```
public struct GymnasiumEnvironment: Sendable, Hashable, CustomStringConvertible {
    /// Passed verbatim to `gymnasium.make`.
    public let id: String
    /// The keyword arguments of `gymnasium.make`, as the text of a JSON object (kept
    /// verbatim, so `1.0` stays a float for Python).
    public let keywordArguments: String
    /// Modules imported before `make`, in order.
    public let imports: [String]
    /// `module:function`, called with no arguments after the imports and before `make`
    /// (for packages that register their environments in a function).
    public let setup: String?
    /// Wrappers applied in order after `make`, as the text of a JSON list of
    /// `{"wrapper": "module:Name", "kwargs": {…}}` (kwargs optional; kept verbatim): each
    /// makes `env = Name(env, **kwargs)`, in every environment of the worker.
    public let wrappers: String

    /// Throws an error with exit code 2 when `keywordArguments` is not a JSON object,
    /// `setup` is not `module:function`, or `wrappers` is not a JSON list of wrappers.
    public init(id: String, keywordArguments: String = "{}", imports: [String] = [], setup: String? = nil,
                wrappers: String = "[]") throws(TaskError) {
        guard !id.isEmpty else { throw TaskError("the Gymnasium environment id is empty; give one like env=CartPole-v1", exitCode: ExitCode.usage) }
        let trimmed = keywordArguments.trimmingCharacters(in: .whitespaces)
        let text = trimmed.isEmpty ? "{}" : trimmed
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else {
            throw TaskError(
                "the keyword arguments of gymnasium.make(\(id)) must be a JSON object, like envKwargs={\"max_episode_steps\": 200}; got \(keywordArguments)",
                exitCode: ExitCode.usage)
        }
        if let bad = imports.first(where: { !Self.isModuleName($0) }) {
            throw TaskError("'\(bad)' is not a Python module name (imports are dotted names, like minatar.gym)", exitCode: ExitCode.usage)
        }
        if let setup {
            let parts = setup.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, Self.isModuleName(String(parts[0])), Self.isModuleName(String(parts[1])), !parts[1].contains(".") else {
                throw TaskError("the set-up function '\(setup)' is not module:function (like minatar.gym:register_envs)", exitCode: ExitCode.usage)
            }
        }
        let wrapperText = wrappers.trimmingCharacters(in: .whitespacesAndNewlines)
        try Self.checkWrappers(wrapperText.isEmpty ? "[]" : wrapperText)
        self.id = id
        self.keywordArguments = text
        self.imports = imports
        self.setup = setup
        self.wrappers = wrapperText.isEmpty ? "[]" : wrapperText
    }

    private static func checkWrappers(_ text: String) throws(TaskError) {
        let example = #"like envWrappers=[{"wrapper": "gymnasium.wrappers:AtariPreprocessing", "kwargs": {"noop_max": 30}}]"#
        guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
            throw TaskError("the Gymnasium wrappers must be a JSON list, \(example); got \(text)", exitCode: ExitCode.usage)
        }
        for (index, item) in list.enumerated() {
            guard let wrapper = item as? [String: Any] else {
                throw TaskError("Gymnasium wrapper \(index + 1) is not a JSON object with \"wrapper\" and \"kwargs\", \(example)", exitCode: ExitCode.usage)
            }
            if let key = wrapper.keys.sorted().first(where: { $0 != "wrapper" && $0 != "kwargs" }) {
                throw TaskError("Gymnasium wrapper \(index + 1) has the unknown key '\(key)' (it takes \"wrapper\" and \"kwargs\")", exitCode: ExitCode.usage)
            }
            let name = wrapper["wrapper"] as? String ?? ""
            let parts = name.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, isModuleName(String(parts[0])), isModuleName(String(parts[1])) else {
                throw TaskError("Gymnasium wrapper \(index + 1) names '\(name)', not module:Name (like gymnasium.wrappers:FrameStackObservation)", exitCode: ExitCode.usage)
            }
            if let kwargs = wrapper["kwargs"], !(kwargs is [String: Any]) {
                throw TaskError("the kwargs of Gymnasium wrapper \(index + 1) (\(name)) must be a JSON object, like {\"stack_size\": 4}", exitCode: ExitCode.usage)
            }
        }
    }

    /// The `hello` frame's JSON: the keyword arguments spliced in as given.
    var helloJSON: String {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let imports = "[" + self.imports.map(quoted).joined(separator: ",") + "]"
        return "{\"env\":\(quoted(id)),\"kwargs\":\(keywordArguments),\"imports\":\(imports),\"setup\":\(setup.map(quoted) ?? "null"),\"wrappers\":\(wrappers)}"
    }

    public var description: String {
        [id, keywordArguments == "{}" ? nil : keywordArguments, wrappers == "[]" ? nil : "wrapped in \(wrappers)"]
            .compactMap { $0 }.joined(separator: " ")
    }

    private static func isModuleName(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
            return part.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
        }
    }
}

/// How a rank starts and waits for its Gymnasium worker.
public struct GymnasiumWorkerSettings: Sendable, Equatable {
    /// The Python interpreter: `EXPTRAIN_PYTHON`, else `python3` (looked up on `PATH`).
    public var python: String
    /// Seconds to wait for any answer of the worker before ending the run; 0 waits forever.
    public var timeout: Double
    /// The rank that owns the worker, for messages and the worker's `EXPTRAIN_RANK`.
    public var processIndex: Int

    public init(python: String = GymnasiumWorkerSettings.defaultPython, timeout: Double = 60, processIndex: Int = 0) {
        self.python = python
        self.timeout = timeout
        self.processIndex = processIndex
    }

    /// `EXPTRAIN_PYTHON` when set and not empty, else `python3`.
    public static var defaultPython: String {
        let value = ProcessInfo.processInfo.environment["EXPTRAIN_PYTHON"] ?? ""
        return value.isEmpty ? "python3" : value
    }
}
