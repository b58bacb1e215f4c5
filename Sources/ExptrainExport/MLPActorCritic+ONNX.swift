import ExptrainNN

/// CleanRL's agent as ONNX nodes: both perceptrons as `Gemm` and the activation, the
/// actor's output as logits (categorical, multi-categorical) or as the Gaussian's mean
/// next to `actor_logstd` repeated on every row.
extension MLPActorCritic: ONNXExportable {
    public var exportedObservationSize: Int { observationSize }

    public func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs {
        let critic = graph.perceptron(inputs.observation, try Self.linearLayers(of: critic, "critic"), activation: activation)
        let actor = graph.perceptron(inputs.observation, try Self.linearLayers(of: actor, "actor"), activation: activation)
        let distribution: ExportedDistribution
        switch distributionHead {
        case let head as CategoricalHead:
            distribution = .categorical(logits: actor, actionCount: head.actionCount)
        case let head as MultiCategoricalHead:
            distribution = .multiCategorical(logits: actor, counts: head.counts)
        case let head as GaussianHead:
            guard let logStandardDeviation else { throw ExportError("MLPActorCritic with a Gaussian head has no actor_logstd") }
            let rows = graph.apply("Shape", [actor])
            let logStd = graph.apply("Expand", [graph.constant(logStandardDeviation), rows])   // [1, D] → [N, D]
            distribution = .gaussian(mean: actor, logStandardDeviation: logStd, dimensions: head.dimensions)
        default:
            throw ExportError("MLPActorCritic's \(distributionHead) head has no ONNX form")
        }
        return PolicyStepOutputs(distribution: distribution, value: critic)
    }

    /// The network's `Linear` layers, checking that activations are all that lies between them.
    private static func linearLayers(of network: Sequential, _ name: String) throws(ExportError) -> [Linear] {
        let layers = network.layers.compactMap { $0 as? Linear }
        guard network.layers.count == 2 * layers.count - 1 else {
            throw ExportError("MLPActorCritic's \(name) has layers other than Linear and its activation; it has no ONNX form")
        }
        return layers
    }
}
