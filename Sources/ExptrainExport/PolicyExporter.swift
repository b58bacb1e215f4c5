import ExptrainNN
import ExptrainOnPolicy

/// Writes an actor-critic policy as an ONNX model of one step, with the numbers of the
/// model's `act(…)` (SPEC §14):
///
///     inputs   observation [N, F + B] float32          the task's Float32 observation parts, raw, then
///                                                       its UInt8 parts, each byte as a float 0…255 (B: `exportedByteCount`)
///              hidden [N, H], mask [N]                  recurrent models only; mask 0 resets the state
///     graph    x = clip((observation − μ)·1/√(σ² + ε), −c, c)      the F Float32 columns, when the run normalised
///              h = hidden ⊙ mask,  the model's step on (x, h)
///     outputs  logits [N, A] | logits [N, Σ counts] | mean [N, D], log_std [N, D]
///              value [N]
///              hidden_out [N, H]                        recurrent models only
///
/// The model must conform to `ONNXExportable`. The metadata `exptrain.observation_byte_columns`
/// holds B, so a caller can tell the byte columns from the floats.
///
/// ```swift
/// let onnx = try PolicyExporter.onnxModel(of: model, observationNormalizer: normalizer,
///                                         metadata: [("exptrain.tag", "cartpole-ppo")])
/// try Data(onnx.serialized()).write(to: URL(fileURLWithPath: "policy.onnx"))
/// ```
public enum PolicyExporter {
    public static let observationInput = "observation"
    public static let hiddenInput = "hidden"
    public static let maskInput = "mask"
    public static let valueOutput = "value"
    public static let hiddenOutput = "hidden_out"

    /// The graph of `model`'s policy step, normalising observations with `observationNormalizer`
    /// (a frozen statistic) when the run normalised.
    public static func onnxModel(
        of model: any ActorCriticModel, observationNormalizer: ObservationNormalizer?, producerVersion: String = "",
        metadata: [(key: String, value: String)] = []
    ) throws(ExportError) -> ONNXModel {
        guard let exportable = model as? any ONNXExportable else {
            throw ExportError("\(type(of: model)) cannot be exported to ONNX: it does not conform to ONNXExportable (module ExptrainExport), as MLPActorCritic, RecurrentActorCritic and CNNActorCritic do")
        }
        let batch = ONNXGraph.Dimension.named("N")
        let size = exportable.exportedObservationSize
        let byteCount = exportable.exportedByteCount
        let floatCount = size - byteCount
        var graph = ONNXGraph(name: "exptrain_policy")
        graph.addInput(observationInput, .float, [batch, .fixed(size)],
                       documentation: byteCount == 0 ? "observations as the task gives them (Float32 parts, one after another)"
                           : "observations as the task gives them: \(floatCount) floats (Float32 parts, one after another), then \(byteCount) bytes as floats 0…255 (UInt8 parts)")
        var observation = observationInput
        if let normalizer = observationNormalizer {
            guard normalizer.dimensions == floatCount else {
                throw ExportError("the checkpoint's observation statistic has \(normalizer.dimensions) dimensions, the model reads \(floatCount) floats")
            }
            if byteCount == 0 {
                observation = normalize(observation, with: normalizer, in: &graph)
            } else if floatCount > 0 {
                let floats = normalize(graph.columns(observation, 0..<floatCount), with: normalizer, in: &graph)
                observation = graph.apply("Concat", [floats, graph.columns(observation, floatCount..<size)], [.int("axis", 1)])
            }
        }
        let stateSize = model.recurrentStateSize
        var inputs = PolicyStepInputs(observation: observation, state: nil, mask: nil)
        if stateSize > 0 {
            graph.addInput(hiddenInput, .float, [batch, .fixed(stateSize)], documentation: "recurrent state before the step (zeros to start)")
            graph.addInput(maskInput, .float, [batch], documentation: "0 where an episode starts (the state is reset), else 1")
            let column = graph.apply("Unsqueeze", [maskInput, graph.integers([1], named: "axes")])
            inputs = PolicyStepInputs(observation: observation, state: graph.apply("Mul", [hiddenInput, column]), mask: maskInput)
        }

        let step = try exportable.addPolicyStep(to: &graph, inputs: inputs)
        let head = model.distributionHead
        guard step.distribution.width == head.parameterCount else {
            throw ExportError("\(type(of: model)) exports \(step.distribution.width) distribution parameters per row, its \(head) head has \(head.parameterCount)")
        }
        for output in step.distribution.outputs {
            graph.addOutput(output.name, from: output.value, .float, [batch, .fixed(output.width)], documentation: output.documentation)
        }
        graph.addOutput(valueOutput, from: graph.column(step.value), .float, [batch], documentation: "state value V(s)")
        if stateSize > 0 {
            guard let next = step.state else {
                throw ExportError("\(type(of: model)) has a recurrent state but its export gives no state after the step")
            }
            graph.addOutput(hiddenOutput, from: next, .float, [batch, .fixed(stateSize)], documentation: "recurrent state after the step")
        }
        let normalization = observationNormalizer.map { "frozen statistic, clip ±\($0.clip)" } ?? "none"
        return ONNXModel(
            graph: graph, producerVersion: producerVersion,
            documentation: "exptrain policy step: \(head) distribution parameters, value\(stateSize > 0 ? ", recurrent state" : "")",
            metadata: metadata + [
                ("exptrain.distribution", head.description), ("exptrain.observation_normalization", normalization),
                ("exptrain.observation_byte_columns", String(byteCount)),
            ])
    }

    /// `clip((x − μ)·s, −c, c)` with the normaliser's own floats, as `ObservationNormalizer.normalize` computes it.
    private static func normalize(_ observation: String, with normalizer: ObservationNormalizer, in graph: inout ONNXGraph) -> String {
        let size = normalizer.dimensions
        let shift = graph.constant("normalization.observation.shift", shape: [size], floats: normalizer.shift)
        let scale = graph.constant("normalization.observation.scale", shape: [size], floats: normalizer.scale)
        let low = graph.constant("normalization.observation.clip_low", shape: [], floats: [-normalizer.clip])
        let high = graph.constant("normalization.observation.clip_high", shape: [], floats: [normalizer.clip])
        let centred = graph.apply("Sub", [observation, shift])
        return graph.apply("Clip", [graph.apply("Mul", [centred, scale]), low, high])
    }
}
