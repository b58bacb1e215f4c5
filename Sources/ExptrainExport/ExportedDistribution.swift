import ExptrainNN

/// The parameters of a policy's distribution as graph outputs: their names, the values
/// holding them and their widths, in the layout of the model's `DistributionHead` (the
/// outputs side by side are the floats `act(…)` writes per row).
///
/// ```swift
/// .categorical(logits: logits, actionCount: 7)                       // output "logits" [N, 7]
/// .gaussian(mean: mean, logStandardDeviation: logStd, dimensions: 2)  // "mean" [N, 2], "log_std" [N, 2]
/// ```
public struct ExportedDistribution: Sendable {
    /// One output: `name` in the graph, from value `value`, `[N, width]`.
    public struct Output: Sendable {
        public let name: String
        public let value: String
        public let width: Int
        public let documentation: String

        public init(name: String, value: String, width: Int, documentation: String) {
            self.name = name
            self.value = value
            self.width = width
            self.documentation = documentation
        }
    }

    public let outputs: [Output]

    public init(outputs: [Output]) {
        self.outputs = outputs
    }

    /// The floats per row, which must be the head's `parameterCount`.
    public var width: Int { outputs.reduce(0) { $0 + $1.width } }

    /// The distribution `head` makes of the actor's output `actor` `[N, width]`, as the
    /// built-in actor-critics' `PolicyOutputLayout` does: logits for `CategoricalHead` and
    /// `MultiCategoricalHead`; for `GaussianHead` the mean, next to `logStandardDeviation`
    /// (`actor_logstd` `[1, D]`) repeated on every row (`Expand`). `model` names the
    /// model in the errors.
    ///
    /// - Throws: `ExportError` for another head, or a Gaussian head without `actor_logstd`.
    public static func policy(
        actor: String, head: any DistributionHead, logStandardDeviation: Parameter?, in graph: inout ONNXGraph, model: String
    ) throws(ExportError) -> ExportedDistribution {
        switch head {
        case let head as CategoricalHead:
            return .categorical(logits: actor, actionCount: head.actionCount)
        case let head as MultiCategoricalHead:
            return .multiCategorical(logits: actor, counts: head.counts)
        case let head as GaussianHead:
            guard let logStandardDeviation else { throw ExportError("\(model) with a Gaussian head has no actor_logstd") }
            let rows = graph.apply("Shape", [actor])
            let logStd = graph.apply("Expand", [graph.constant(logStandardDeviation), rows])   // [1, D] → [N, D]
            return .gaussian(mean: actor, logStandardDeviation: logStd, dimensions: head.dimensions)
        default:
            throw ExportError("\(model)'s \(head) head has no ONNX form")
        }
    }

    /// `Categorical`: the unnormalised logits `[N, A]` (softmax gives π(a|s), argmax the mode).
    public static func categorical(logits: String, actionCount: Int) -> ExportedDistribution {
        ExportedDistribution(outputs: [Output(
            name: "logits", value: logits, width: actionCount,
            documentation: "unnormalised logits of Categorical(\(actionCount)); softmax gives the action probabilities")])
    }

    /// `MultiCategorical`: every component's unnormalised logits side by side, `[N, Σ counts]`.
    public static func multiCategorical(logits: String, counts: [Int]) -> ExportedDistribution {
        ExportedDistribution(outputs: [Output(
            name: "logits", value: logits, width: counts.reduce(0, +),
            documentation: "unnormalised logits of MultiCategorical(\(counts)), component i in its own \(counts.map(String.init).joined(separator: ", ")) columns; softmax each")])
    }

    /// `DiagonalGaussian`: the mean `[N, D]` and the log standard deviation `[N, D]`; actions
    /// are `mean + exp(log_std)·ε`, clipped to the action box where the task receives them.
    public static func gaussian(mean: String, logStandardDeviation: String, dimensions: Int) -> ExportedDistribution {
        ExportedDistribution(outputs: [
            Output(name: "mean", value: mean, width: dimensions, documentation: "mean of the diagonal Gaussian (the deterministic action)"),
            Output(name: "log_std", value: logStandardDeviation, width: dimensions,
                   documentation: "log standard deviation of the diagonal Gaussian, the same for every row"),
        ])
    }
}
