import ArgumentParser
import ExptrainExperiment
import Foundation

/// The help of the train command, and with a tag that experiment's summary and its
/// `--config` keys with their defaults: what `exptrain <tag> --help` prints.
enum ExperimentHelp {
    static func text(tag: String?, registry: ExperimentRegistry) throws -> String {
        let options = ExptrainCommand.helpMessage(for: TrainCommand.self).trimmingCharacters(in: .newlines)
        guard let tag else { return options }
        let experiment = try registry.experiment(tag: tag)
        return "\(tag): \(experiment.summary)\n\n\(options)\n\n\(configSection(experiment))"
    }

    /// The keys the experiment's `init(overrides:)` reads, one a line: key, default, kind.
    static func configSection(_ experiment: any ExperimentConfig.Type) -> String {
        let heading = "CONFIG KEYS (--config key=value; default, then kind):"
        let overrides = ConfigOverrides()
        do {
            _ = try experiment.init(overrides: overrides)
        } catch {
            return "\(heading)\n  (\(experiment.tag) cannot be made with its defaults: \(error))"
        }
        let settings = overrides.settings
        guard !settings.isEmpty else { return "\(heading)\n  (none)" }
        let keyWidth = settings.map(\.key.count).max()! + 2
        // A default longer than a column (a JSON list of wrappers) goes on its own line, so
        // the others' kinds stay next to them.
        let short = settings.map(\.defaultValue.count).filter { $0 <= longDefault }
        let valueWidth = (short.max() ?? 0) + 2
        let lines = settings.map { setting in
            guard setting.defaultValue.count <= longDefault else {
                return "  " + padded(setting.key, to: keyWidth) + setting.typeName + "\n      " + setting.defaultValue
            }
            return "  " + padded(setting.key, to: keyWidth) + padded(setting.defaultValue, to: valueWidth) + setting.typeName
        }
        return ([heading] + lines).joined(separator: "\n")
    }

    /// The widest default kept in the defaults' column.
    private static let longDefault = 40

    private static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(width - text.count, 1))
    }
}
