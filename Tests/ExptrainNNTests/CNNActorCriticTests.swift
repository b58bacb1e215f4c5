import ExptrainEnvironment
import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

/// The convolutional layer, encoders and actor-critic: shapes and names against CleanRL's
/// networks, gradients against finite differences, `act(…)` against `forward`.
final class CNNActorCriticTests: XCTestCase {
    /// CleanRL's `ppo_atari.py` agent on Breakout (6 actions): the same parameter shapes in
    /// the same order (channel last), 1,687,719 values.
    func testNatureCNNHasCleanRLsShapes() throws {
        let space = ObservationSpace.box(Box(shape: [84, 84, 4], low: 0, high: 255, elementType: .uint8))
        let model = try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 6), architecture: .natureCNN, seed: 1)
        XCTAssertEqual(model.parameters.entries.map(\.name), [
            "network.0.weight", "network.0.bias", "network.2.weight", "network.2.bias", "network.4.weight", "network.4.bias",
            "network.7.weight", "network.7.bias", "actor.weight", "actor.bias", "critic.weight", "critic.bias",
        ])
        XCTAssertEqual(model.parameters.shape(of: "network.0.weight"), [32, 8, 8, 4])
        XCTAssertEqual(model.parameters.shape(of: "network.7.weight"), [512, 3136])
        XCTAssertEqual(model.parameters.count, 1_687_719)
        XCTAssertEqual(model.encoder.featureMapSizes.map(\.height), [20, 9, 7])
        // layer_init: orthogonal rows of the flattened filters with gain √2, zero biases.
        let filters = model.parameters.values(of: "network.0.weight")!
        let first = filters[0..<256], second = filters[256..<512]
        XCTAssertEqual(Double(first.reduce(0) { $0 + $1 * $1 }), 2, accuracy: 1e-4)
        XCTAssertEqual(Double(zip(first, second).reduce(0) { $0 + $1.0 * $1.1 }), 0, accuracy: 1e-4)
        XCTAssertEqual(model.parameters.values(of: "network.0.bias"), [Float](repeating: 0, count: 32))
    }

    /// MinAtar's network: 16·3×3 on 10×10 → 1024 → 128.
    func testMinAtarEncoderShapes() throws {
        let space = ObservationSpace.box(Box(shape: [10, 10, 4], low: 0, high: 1, elementType: .uint8))
        let model = try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 3), architecture: .minAtar, seed: 2)
        XCTAssertEqual(model.parameters.shape(of: "network.0.weight"), [16, 3, 3, 4])
        XCTAssertEqual(model.parameters.shape(of: "network.3.weight"), [128, 1024])
    }

    func testImagePartIsChosenByName() {
        let space = ObservationSpace.dictionary([
            ObservationPart("depth", Box(shape: [4, 4, 1], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("rgb", Box(shape: [5, 5, 3], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
        ])
        XCTAssertThrowsError(try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 2), architecture: Self.small, seed: 3))
        XCTAssertThrowsError(try CNNActorCritic(observationSpace: space, imagePart: "goal", actionSpace: .discrete(count: 2), architecture: Self.small, seed: 3))
        let model = try? CNNActorCritic(observationSpace: space, imagePart: "rgb", actionSpace: .discrete(count: 2), architecture: Self.small, seed: 3)
        XCTAssertEqual(model?.imageShape, [5, 5, 3])
        XCTAssertEqual(model?.imageByteOffset, 16)
        XCTAssertEqual(model?.trunkInputSize, 8 + 2)
    }

    /// The model scales bytes by 1/255: its encoding of a byte image equals the encoder's of the floats.
    func testBytesAreScaledInsideTheModel() throws {
        let model = try CNNActorCritic(observationSpace: Self.space, actionSpace: .discrete(count: 3), architecture: Self.small, seed: 4)
        let (observations, _) = Self.randomRows(environments: 2, vectorSize: 2, seed: 5)
        let features = model.encoder(Tensor(shape: [2, 5, 5, 2], values: observations.bytes.map { Float($0) / 255 }))
        let direct = model.actor(Tensor.concatenateColumns([features, observations.floats]))
        let output = model.forward(observations: observations, masks: Tensor(shape: [2], repeating: 1), hidden: Tensor.zeros([2, 0]), steps: 1, environments: 2)
        XCTAssertEqual(output.distribution.headParameters.scalars, direct.logSoftmax().scalars)
    }

    /// A `[C, H, W]` image read with `.channelsFirst` gives the numbers the same image laid
    /// out `[H, W, C]` gives, in `forward` and in `act`.
    func testChannelsFirstImagesAreReadAsTheirChannelsLastTranspose() throws {
        let channelsFirstSpace = ObservationSpace.dictionary([
            ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
            ObservationPart("image", Box(shape: [2, 5, 5], low: 0, high: 255, elementType: .uint8)),
        ])
        let last = try CNNActorCritic(observationSpace: Self.space, actionSpace: .discrete(count: 3), architecture: Self.small, seed: 8)
        let first = try CNNActorCritic(
            observationSpace: channelsFirstSpace, imageLayout: .channelsFirst, actionSpace: .discrete(count: 3), architecture: Self.small, seed: 8)
        XCTAssertEqual(first.imageShape, [5, 5, 2])
        let (observations, bytes) = Self.randomRows(environments: 2, vectorSize: 2, seed: 9)
        // Row r's image [y][x][c] moved to [c][y][x].
        var transposed = [UInt8]()
        for row in 0..<2 {
            for channel in 0..<2 {
                for pixel in 0..<25 { transposed.append(bytes[row * 50 + pixel * 2 + channel]) }
            }
        }
        XCTAssertNotEqual(transposed, bytes)
        let transposedObservations = ObservationBatch(floats: observations.floats, bytes: transposed)
        let masks = Tensor(shape: [2], repeating: 1), hidden = Tensor.zeros([2, 0])
        let expected = last.forward(observations: observations, masks: masks, hidden: hidden, steps: 1, environments: 2)
        let output = first.forward(observations: transposedObservations, masks: masks, hidden: hidden, steps: 1, environments: 2)
        XCTAssertEqual(output.distribution.headParameters.scalars, expected.distribution.headParameters.scalars)
        XCTAssertEqual(output.values.scalars, expected.values.scalars)

        var parameters = [Float](repeating: .nan, count: 6), values = [Float](repeating: .nan, count: 2), state = [Float]()
        let floats = observations.floats.scalars, ones = [Float](repeating: 1, count: 2)
        floats.withUnsafeBufferPointer { floats in
            transposed.withUnsafeBufferPointer { bytes in
                ones.withUnsafeBufferPointer { masks in
                    state.withUnsafeMutableBufferPointer { state in
                        parameters.withUnsafeMutableBufferPointer { parameters in
                            values.withUnsafeMutableBufferPointer { values in
                                first.act(observations: ObservationRows(floats: floats, bytes: bytes, rows: 2), masks: masks, hidden: state,
                                          environments: 2, distributionParameters: parameters, values: values, workspace: InferenceWorkspace())
                            }
                        }
                    }
                }
            }
        }
        let written = normalised(parameters, actionSpace: .discrete(count: 3), rows: 2) + values
        let reference = expected.distribution.headParameters.scalars + expected.values.scalars
        for (a, b) in zip(written, reference) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
    }

    /// Bytes are divided by the image box's `high`: a 0…255 image by 255, MinAtar's 0/1 state by 1.
    func testPixelsAreScaledByTheBoxsHigh() throws {
        let minAtar = try CNNActorCritic(
            observationSpace: .box(Box(shape: [10, 10, 4], low: 0, high: 1, elementType: .uint8)), actionSpace: .discrete(count: 3),
            architecture: .minAtar, seed: 2)
        XCTAssertEqual(minAtar.pixelScale, 1)
        let atari = try CNNActorCritic(
            observationSpace: .box(Box(shape: [4, 84, 84], low: 0, high: 255, elementType: .uint8)), imageLayout: .channelsFirst,
            actionSpace: .discrete(count: 4), architecture: .natureCNN, seed: 2)
        XCTAssertEqual(atari.pixelScale, 1 / 255)
        XCTAssertEqual(atari.imageShape, [84, 84, 4])
    }

    /// Every parameter of a small recurrent model with a vector part, through a PPO-like objective.
    func testGradientsMatchFiniteDifferences() throws {
        let model = try CNNActorCritic(
            observationSpace: Self.space, actionSpace: .discrete(count: 3), architecture: Self.small, recurrentSize: 4, seed: 6)
        let (observations, _) = Self.randomRows(environments: 6, vectorSize: 2, seed: 7)
        let masks = Tensor(shape: [6], values: [1, 1, 1, 0, 1, 1])
        let hidden = Tensor(shape: [2, 4], values: [0.1, -0.2, 0.3, 0, 0.5, 0.4, -0.1, 0.2])
        assertParameterGradientsMatchFiniteDifferences(model.parameters, tolerance: 5e-3) {
            let output = model.forward(observations: observations, masks: masks, hidden: hidden, steps: 3, environments: 2)
            return projection(output.distribution.logProbability(of: Tensor(shape: [6, 1], values: [0, 2, 1, 1, 0, 2])), seed: 8)
                + projection(output.values, seed: 9) + projection(output.hidden, seed: 10)
        }
    }

    func testActMatchesForwardFeedForwardAndRecurrentAcrossResets() throws {
        for (recurrentSize, actionSpace) in [(nil, ActionSpace.discrete(count: 3)), (6, .discrete(count: 3)),
                                             (nil, .box(Box(shape: [2], low: -1, high: 1))), (5, .multiDiscrete(counts: [2, 3]))] {
            let model = try CNNActorCritic(
                observationSpace: Self.space, actionSpace: actionSpace, architecture: Self.small, recurrentSize: recurrentSize, seed: 11)
            let environments = 3
            let workspace = InferenceWorkspace()
            var hidden = (0..<(environments * model.recurrentStateSize)).map { Float($0 % 5) * 0.1 - 0.2 }
            var state = Tensor(shape: [environments, model.recurrentStateSize], values: hidden)
            var buffers: [UnsafeMutableRawPointer] = []
            for (step, masks) in [[Float]]([[0, 0, 0], [1, 0, 1], [1, 1, 1]]).enumerated() {
                let (observations, bytes) = Self.randomRows(environments: environments, vectorSize: 2, seed: UInt64(12 + step))
                var parameters = [Float](repeating: .nan, count: environments * model.distributionHead.parameterCount)
                var values = [Float](repeating: .nan, count: environments)
                let floats = observations.floats.scalars
                floats.withUnsafeBufferPointer { floats in
                    bytes.withUnsafeBufferPointer { bytes in
                        masks.withUnsafeBufferPointer { masks in
                            hidden.withUnsafeMutableBufferPointer { hidden in
                                parameters.withUnsafeMutableBufferPointer { parameters in
                                    values.withUnsafeMutableBufferPointer { values in
                                        model.act(observations: ObservationRows(floats: floats, bytes: bytes, rows: environments), masks: masks,
                                                  hidden: hidden, environments: environments, distributionParameters: parameters, values: values,
                                                  workspace: workspace)
                                    }
                                }
                            }
                        }
                    }
                }
                let output = withoutGradients {
                    model.forward(observations: observations, masks: Tensor(shape: [environments], values: masks), hidden: state, steps: 1, environments: environments)
                }
                state = output.hidden
                let expected = output.distribution.headParameters.scalars
                let written = normalised(parameters, actionSpace: actionSpace, rows: environments)
                for (name, fast, reference) in [("head", written, expected), ("values", values, output.values.scalars), ("state", hidden, state.scalars)] {
                    XCTAssertEqual(fast.count, reference.count, name)
                    for (a, b) in zip(fast, reference) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "\(actionSpace) \(name)") }
                }
                let current = (0..<12).map { UnsafeMutableRawPointer(workspace.buffer($0, count: 0)) }
                if step > 0 { XCTAssertEqual(current, buffers, "later steps reuse the first step's buffers") }
                buffers = current
            }
        }
    }

    /// What `act` writes, in the form `headParameters` reports: logits as log-probabilities (per component).
    private func normalised(_ parameters: [Float], actionSpace: ActionSpace, rows: Int) -> [Float] {
        let groups: [Int]
        switch actionSpace {
        case .discrete(let count): groups = [count]
        case .multiDiscrete(let counts): groups = counts
        case .box: return parameters
        }
        var result = parameters
        let width = groups.reduce(0, +)
        result.withUnsafeMutableBufferPointer { values in
            for row in 0..<rows {
                var offset = row * width
                for count in groups {
                    logSoftmax(values.baseAddress! + offset, count: count, into: values.baseAddress! + offset)
                    offset += count
                }
            }
        }
        return result
    }

    /// Two 5×5×2 byte channels and a 2-vector: a conv with padding and one with stride, then 8.
    static let small = ConvolutionalArchitecture(
        convolutions: [.init(outputChannels: 3, kernelSize: 3, padding: 1), .init(outputChannels: 2, kernelSize: 2, stride: 2)], outputSize: 8)
    static let space = ObservationSpace.dictionary([
        ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
        ObservationPart("image", Box(shape: [5, 5, 2], low: 0, high: 255, elementType: .uint8)),
    ])

    static func randomRows(environments: Int, vectorSize: Int, seed: UInt64) -> (ObservationBatch, [UInt8]) {
        var generator = RandomGenerator(seed: seed)
        let bytes = (0..<(environments * 50)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let floats = (0..<(environments * vectorSize)).map { _ in generator.nextNormal() }
        return (ObservationBatch(floats: Tensor(shape: [environments, vectorSize], values: floats), bytes: bytes), bytes)
    }
}
