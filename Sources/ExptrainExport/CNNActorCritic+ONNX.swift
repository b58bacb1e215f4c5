import ExptrainNN

/// The pixel actor-critic as ONNX nodes. The `observation` input holds the Float32 parts
/// (the vector `v`) and then every UInt8 part's bytes as floats 0…255, in storage order;
/// the image's columns are taken out of it (`Slice`), scaled by `pixelScale` (`Mul`) and
/// laid out channel first for ONNX's `Conv` (`Reshape` to `[N, H, W, C]` and `Transpose`
/// for `.channelsLast`, `Reshape` to `[N, C, H, W]` alone for `.channelsFirst`):
///
///     x = bytes · pixelScale  →  f = relu(Linear(flatten_yxc(relu(Conv(…)))))  →  u = [f, v]
///     h' = GRU(u, hidden ⊙ mask) when recurrent  →  head(Linear(h')), value = Linear(h')
///
/// The flatten before the encoder's `Linear` puts the last feature map back channel last,
/// the `(y, x, channel)` order `ConvolutionalEncoder` flattens in, so the checkpoint's
/// `Linear` weight is written as it is. Every head `CNNActorCritic` has (`Categorical`,
/// `MultiCategorical`, `DiagonalGaussian`) is exported.
extension CNNActorCritic: ONNXExportable {
    public var exportedObservationSize: Int { vectorSize + observationSpace.byteCount }
    public var exportedByteCount: Int { observationSpace.byteCount }

    public func addPolicyStep(to graph: inout ONNXGraph, inputs: PolicyStepInputs) throws(ExportError) -> PolicyStepOutputs {
        let (height, width, channels) = (imageShape[0], imageShape[1], imageShape[2])
        let imageStart = vectorSize + imageByteOffset
        let bytes = graph.columns(inputs.observation, imageStart..<(imageStart + height * width * channels))
        let scaled = graph.apply("Mul", [bytes, graph.constant("pixel_scale", shape: [], floats: [pixelScale])])
        let images = switch imageLayout {
        case .channelsLast: graph.transpose(graph.reshaped(scaled, [-1, height, width, channels]), [0, 3, 1, 2])
        case .channelsFirst: graph.reshaped(scaled, [-1, channels, height, width])
        }
        var trunk = graph.convolutionalEncoder(images, encoder)
        if vectorSize > 0 {
            trunk = graph.apply("Concat", [trunk, graph.columns(inputs.observation, 0..<vectorSize)], [.int("axis", 1)])
        }
        var state: String?
        if let gru {
            guard let reset = inputs.state else { throw ExportError("CNNActorCritic's GRU needs the hidden state input") }
            trunk = graph.gruStep(input: trunk, hidden: reset, gru)
            state = trunk
        }
        let distribution = try ExportedDistribution.policy(
            actor: graph.linear(trunk, actor), head: distributionHead, logStandardDeviation: logStandardDeviation, in: &graph,
            model: "CNNActorCritic")
        return PolicyStepOutputs(distribution: distribution, value: graph.linear(trunk, critic), state: state)
    }
}
