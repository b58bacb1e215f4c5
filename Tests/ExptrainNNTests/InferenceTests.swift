import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

/// The rollout path (`act(…)`, `CategoricalHead.sample(preparing:…)`) against the
/// tensor path it replaces.
final class InferenceTests: XCTestCase {
    /// Runs `act` for `steps` steps from `initialHidden` and `forward` on the same steps one at a
    /// time, and checks log-probabilities (the logits `act` writes, normalised), values and
    /// states agree to 1e-6.
    private func assertActMatchesForward(
        _ model: some ActorCriticModel, observations: [[Float]], masks: [[Float]], initialHidden: [Float],
        environments: Int, workspace: InferenceWorkspace = InferenceWorkspace(), file: StaticString = #filePath, line: UInt = #line
    ) {
        var hidden = initialHidden
        var state = Tensor(shape: [environments, model.recurrentStateSize], values: initialHidden)
        for (stepObservations, stepMasks) in zip(observations, masks) {
            var logits = [Float](repeating: .nan, count: environments * model.distributionHead.parameterCount)
            var values = [Float](repeating: .nan, count: environments)
            act(model, observations: stepObservations, masks: stepMasks, hidden: &hidden, environments: environments,
                logits: &logits, values: &values, workspace: workspace)
            let output = withoutGradients {
                model.forward(
                    observations: ObservationBatch(floats: Tensor(shape: [environments, stepObservations.count / environments], values: stepObservations)),
                    masks: Tensor(shape: [environments], values: stepMasks), hidden: state, steps: 1, environments: environments)
            }
            state = output.hidden
            let actionCount = model.distributionHead.parameterCount
            logits.withUnsafeMutableBufferPointer { rows in
                for row in 0..<environments { logSoftmax(rows.baseAddress! + row * actionCount, count: actionCount, into: rows.baseAddress! + row * actionCount) }
            }
            for (name, fast, reference) in [("log-probabilities", logits, output.logProbabilities.scalars), ("values", values, output.values.scalars), ("state", hidden, state.scalars)] {
                XCTAssertEqual(fast.count, reference.count, name, file: file, line: line)
                for (a, b) in zip(fast, reference) {
                    XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), name, file: file, line: line)
                }
            }
        }
    }

    func testMLPActMatchesForward() {
        for activation in Activation.allCases {
            let model = MLPActorCritic(observationSize: 5, actionCount: 3, hidden: [16, 8], activation: activation, seed: 40)
            var generator = RandomGenerator(seed: 41)
            let observations = (0..<3).map { _ in (0..<20).map { _ in generator.nextNormal() } }
            assertActMatchesForward(model, observations: observations, masks: [[Float]](repeating: [1, 1, 1, 1], count: 3),
                                    initialHidden: [], environments: 4)
        }
    }

    func testRecurrentActMatchesForwardAcrossResets() {
        let shape = [3, 3, 3]
        var generator = RandomGenerator(seed: 42)
        let observations = (0..<4).map { _ in
            (0..<(3 * 27)).map { index in Float(generator.nextInt(below: [11, 6, 3][index % 3])) }
        }
        let masks: [[Float]] = [[0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]]
        let recurrent = RecurrentActorCritic(observationShape: shape, actionCount: 7, hiddenSize: 16, seed: 43)
        let carried = (0..<48).map { _ in generator.nextNormal() }
        assertActMatchesForward(recurrent, observations: observations, masks: masks, initialHidden: carried, environments: 3)
        let feedForward = RecurrentActorCritic(observationShape: shape, actionCount: 7, hiddenSize: 16, recurrent: false, seed: 44)
        assertActMatchesForward(feedForward, observations: observations, masks: masks, initialHidden: [], environments: 3)
        // 24 environments ≥ the 20 table rows: forward and act look projections up (EmbeddedLinear).
        let wide = (0..<2).map { _ in (0..<(24 * 27)).map { index in Float(generator.nextInt(below: [11, 6, 3][index % 3])) } }
        let wideMasks = (0..<2).map { _ in (0..<24).map { _ in Float(generator.nextInt(below: 2)) } }
        assertActMatchesForward(recurrent, observations: wide, masks: wideMasks, initialHidden: [Float](repeating: 0.1, count: 24 * 16), environments: 24)
        let withoutEmbedding = RecurrentActorCritic(observationShape: [27], actionCount: 4, embedding: nil, hiddenSize: 8, activation: .tanh, seed: 45)
        assertActMatchesForward(withoutEmbedding, observations: observations, masks: masks, initialHidden: [Float](repeating: 0.5, count: 24), environments: 3)
    }

    /// A model that only writes `forward` gets `act` from the protocol's default.
    func testDefaultActFallsBackToForward() {
        final class ForwardOnly: ActorCriticModel {
            let inner = RecurrentActorCritic(observationShape: [2, 2, 3], actionCount: 3, hiddenSize: 6, seed: 46)
            var parameters: ParameterStore { inner.parameters }
            var recurrentStateSize: Int { inner.recurrentStateSize }
            var distributionHead: any DistributionHead { inner.distributionHead }
            func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
                inner.forward(observations: observations, masks: masks, hidden: hidden, steps: steps, environments: environments)
            }
        }
        let codes: [Float] = [1, 0, 0, 2, 5, 1, 10, 3, 2, 0, 0, 0]
        assertActMatchesForward(ForwardOnly(), observations: [codes + codes, codes.reversed().map { min($0, 2) } + codes],
                                masks: [[0, 1], [1, 0]], initialHidden: [Float](repeating: 0.25, count: 12), environments: 2)
    }

    /// `act` multiplies by transposed copies of the weights kept in the workspace; a change of
    /// the parameters between steps (an update) must reach the next step.
    func testMLPActFollowsParametersChangedBetweenSteps() {
        let model = MLPActorCritic(observationSize: 5, actionCount: 3, hidden: [64, 32], seed: 42)
        var generator = RandomGenerator(seed: 43)
        let observations = (0..<2).map { _ in (0..<20).map { _ in generator.nextNormal() } }
        let masks = [[Float]](repeating: [1, 1, 1, 1], count: 2)
        let workspace = InferenceWorkspace()
        assertActMatchesForward(model, observations: observations, masks: masks, initialHidden: [], environments: 4, workspace: workspace)
        model.parameters.withValues { values in
            for i in values.indices { values[i] = -0.5 * values[i] + 0.01 }
        }
        assertActMatchesForward(model, observations: observations, masks: masks, initialHidden: [], environments: 4, workspace: workspace)
    }

    func testActAllocatesNoWorkspaceAfterTheFirstStep() {
        let model = RecurrentActorCritic(observationShape: [3, 3, 3], actionCount: 7, hiddenSize: 16, seed: 47)
        let workspace = InferenceWorkspace()
        var (hidden, logits, values) = ([Float](repeating: 0, count: 32), [Float](repeating: 0, count: 14), [Float](repeating: 0, count: 2))
        let observations = [Float](repeating: 1, count: 54)
        let masks: [Float] = [1, 1]
        var buffers: [UnsafeMutableRawPointer] = []
        for step in 0..<3 {
            act(model, observations: observations, masks: masks, hidden: &hidden, environments: 2,
                logits: &logits, values: &values, workspace: workspace)
            let current = (0..<8).map { UnsafeMutableRawPointer(workspace.buffer($0, count: 0)) }
            if step > 0 { XCTAssertEqual(current, buffers, "later steps reuse the first step's buffers") }
            buffers = current
        }
    }

    func testSamplingFromLogitsInPlaceMatchesCategorical() {
        var generator = RandomGenerator(seed: 48)
        let (rows, actions) = (64, 5)
        let raw = (0..<(rows * actions)).map { _ in 3 * generator.nextNormal() }
        let policy = Categorical(logits: Tensor(shape: [rows, actions], values: raw))
        var reference = RandomGenerator(seed: 49)
        var inPlace = RandomGenerator(seed: 49)
        let head = CategoricalHead(actionCount: actions)
        for _ in 0..<20 {
            let expected: [Int] = policy.sample(using: &reference)
            var logits = raw
            var drawn = [Float](repeating: -1, count: rows)
            var logProbabilities = [Float](repeating: 0, count: rows)
            logits.withUnsafeMutableBufferPointer { logits in
                drawn.withUnsafeMutableBufferPointer { drawn in
                    logProbabilities.withUnsafeMutableBufferPointer {
                        head.sample(preparing: logits, into: drawn, logProbabilities: $0, using: &inPlace)
                    }
                }
            }
            XCTAssertEqual(drawn.map { Int($0) }, expected, "the same draws give the same actions")
            XCTAssertEqual(logits.map(\.bitPattern), policy.logProbabilities.scalars.map(\.bitPattern), "the logits become log p, bit for bit")
            XCTAssertEqual(logProbabilities.map(\.bitPattern), policy.logProbability(of: expected).scalars.map(\.bitPattern))
        }
        XCTAssertEqual(inPlace.nextUniform(), reference.nextUniform(), "both drew the same number of values")
    }
}

/// `model.act(…)` on arrays.
private func act(
    _ model: some ActorCriticModel, observations: [Float], masks: [Float], hidden: inout [Float], environments: Int,
    logits: inout [Float], values: inout [Float], workspace: InferenceWorkspace
) {
    observations.withUnsafeBufferPointer { observations in
        masks.withUnsafeBufferPointer { masks in
            hidden.withUnsafeMutableBufferPointer { hidden in
                logits.withUnsafeMutableBufferPointer { logits in
                    values.withUnsafeMutableBufferPointer { values in
                        model.act(observations: ObservationRows(floats: observations, rows: environments), masks: masks, hidden: hidden,
                                  environments: environments, distributionParameters: logits, values: values, workspace: workspace)
                    }
                }
            }
        }
    }
}
