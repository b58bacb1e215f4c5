import ExptrainNN

/// CleanRL's agent as ONNX nodes: both perceptrons as `Gemm` and the activation, the
/// actor's output as logits (categorical, multi-categorical) or as the Gaussian's mean
/// next to `actor_logstd` repeated on every row.
extension MLPActorCritic: ONNXExportable {
    public var exportedObservationSize: Int { observationSize }

    public func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs {
        let critic = graph.perceptron(inputs.observation, try Self.linearLayers(of: critic, "critic"), activation: activation)
        let actor = graph.perceptron(inputs.observation, try Self.linearLayers(of: actor, "actor"), activation: activation)
        let distribution = try ExportedDistribution.policy(
            actor: actor, head: distributionHead, logStandardDeviation: logStandardDeviation, in: &graph, model: "MLPActorCritic")
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
