import ExptrainNN

/// The grid-world actor-critic as ONNX nodes: codes → table rows (`Cast`, `Add`) →
/// `Gather` → `Gemm` → activation → one `GRU` step from the reset state (when recurrent)
/// → the actor's logits and the critic's value.
///
/// The graph embeds and multiplies, the sums `act(…)` computes for small batches; for
/// large batches `act` adds per-code projections instead (`EmbeddedLinear`), the same
/// sums grouped differently, so the two agree to rounding.
extension RecurrentActorCritic: ONNXExportable {
    public var exportedObservationSize: Int { observationShape.reduce(1, *) }

    public func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs {
        var features = inputs.observation
        if let embedding, let codes = observationEmbedding {
            let cells = exportedObservationSize / codes.codeCounts.count
            features = graph.embeddedCodes(features, embedding, codeCounts: codes.codeCounts, cells: cells)
        }
        var trunk = graph.activation(graph.linear(features, encoder), activation)
        var state: String?
        if let gru {
            guard let reset = inputs.state else { throw ExportError("RecurrentActorCritic's GRU needs the hidden state input") }
            trunk = graph.gruStep(input: trunk, hidden: reset, gru)
            state = trunk
        }
        return PolicyStepOutputs(
            distribution: .categorical(logits: graph.linear(trunk, actor), actionCount: actionCount),
            value: graph.linear(trunk, critic), state: state)
    }
}
