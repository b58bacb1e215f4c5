/// The experiments a program knows, by tag: what `exptrain --list` prints and what
/// `exptrain <tag>` runs.
///
/// ```swift
/// let registry = try ExperimentRegistry(BuiltinExperiments.all + [MyExperiment.self])
/// let experiment = try registry.experiment(tag: "my-experiment")
/// ```
public struct ExperimentRegistry {
    /// The experiment types, in the order given.
    public let experiments: [any ExperimentConfig.Type]

    /// A registry of `experiments`; two experiments with the same tag are an error.
    public init(_ experiments: [any ExperimentConfig.Type]) throws {
        var seen = Set<String>()
        for experiment in experiments where !seen.insert(experiment.tag).inserted {
            throw ExperimentError("two experiments are registered with tag '\(experiment.tag)'; give each a distinct tag")
        }
        self.experiments = experiments
    }

    /// The registered tags, in order.
    public var tags: [String] {
        var tags: [String] = []
        for experiment in experiments { tags.append(experiment.tag) }
        return tags
    }

    /// The experiment registered as `tag`; an unknown tag is an error listing the choices.
    public func experiment(tag: String) throws -> any ExperimentConfig.Type {
        for experiment in experiments where experiment.tag == tag {
            return experiment
        }
        let choices = tags.isEmpty ? "none are registered" : tags.joined(separator: ", ")
        throw ExperimentError("unknown experiment tag '\(tag)'; choices: \(choices) (see 'exptrain --list')")
    }
}
