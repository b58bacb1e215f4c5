import Foundation
import ExptrainEnvironment
import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

/// The rollout heads (`DistributionHead`, raw buffers) against the tensor distributions the
/// losses read (`PolicyDistribution`), and `MLPActorCritic` for non-categorical spaces.
final class DistributionHeadTests: XCTestCase {
    // MARK: Helpers

    private func normals(_ count: Int, seed: UInt64, scale: Float = 1, offset: Float = 0) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextNormal() * scale + offset }
    }

    /// `head.sample(preparing:…)` on a copy of `parameters`: the actions, their
    /// log-probabilities, the prepared parameters, and the generator afterwards.
    private func headSample(
        _ head: any DistributionHead, _ parameters: [Float], rows: Int, seed: UInt64
    ) -> (actions: [Float], logProbabilities: [Float], prepared: [Float], generator: RandomGenerator) {
        var prepared = parameters
        var actions = [Float](repeating: .nan, count: rows * head.actionDimensions)
        var logProbabilities = [Float](repeating: .nan, count: rows)
        var generator = RandomGenerator(seed: seed)
        prepared.withUnsafeMutableBufferPointer { p in
            actions.withUnsafeMutableBufferPointer { a in
                logProbabilities.withUnsafeMutableBufferPointer { l in head.sample(preparing: p, into: a, logProbabilities: l, using: &generator) }
            }
        }
        return (actions, logProbabilities, prepared, generator)
    }

    private func headMode(_ head: any DistributionHead, _ parameters: [Float], rows: Int) -> [Float] {
        var actions = [Float](repeating: .nan, count: rows * head.actionDimensions)
        parameters.withUnsafeBufferPointer { p in actions.withUnsafeMutableBufferPointer { head.mode(of: p, into: $0) } }
        return actions
    }

    private func headLogProbability(_ head: any DistributionHead, prepared: [Float], row: Int, action: [Float]) -> Float {
        prepared.withUnsafeBufferPointer { p in
            action.withUnsafeBufferPointer { head.logProbability(prepared: p.baseAddress! + row * head.parameterCount, of: $0.baseAddress!) }
        }
    }

    private func assertClose(
        _ actual: [Float], _ expected: [Float], accuracy: Float = 1e-5, _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
        for (index, (a, b)) in zip(actual, expected).enumerated() {
            XCTAssertEqual(a, b, accuracy: accuracy * max(1, abs(b)), "\(message) [\(index)]", file: file, line: line)
        }
    }

    /// Log-softmax in Double of each `count`-wide group of `values`.
    private func logSoftmaxGroups(_ values: [Float], counts: [Int]) -> [Float] {
        var result = values
        var offset = 0
        while offset < values.count {
            for count in counts {
                let group = values[offset..<(offset + count)].map(Double.init)
                let top = group.max()!
                let logSum = top + Foundation.log(group.reduce(0) { $0 + Foundation.exp($1 - top) })
                for j in 0..<count { result[offset + j] = Float(group[j] - logSum) }
                offset += count
            }
        }
        return result
    }

    // MARK: Categorical

    func testCategoricalHeadDrawsWhatCategoricalDrawsWithTheSameSeed() {
        let (rows, actions) = (6, 5)
        let logits = normals(rows * actions, seed: 1, scale: 1.5)
        let categorical = Categorical(logits: Tensor(shape: [rows, actions], values: logits))
        let head = CategoricalHead(actionCount: actions)
        XCTAssertEqual(head.parameterCount, 5)
        XCTAssertEqual(head.actionDimensions, 1)
        var drawn = Set<Float>()
        for seed in UInt64(0)..<40 {
            var generator = RandomGenerator(seed: seed)
            let expected: Tensor = categorical.sample(using: &generator)
            XCTAssertEqual(expected.shape, [rows, 1])
            let sampled = headSample(head, logits, rows: rows, seed: seed)
            XCTAssertEqual(sampled.actions, expected.scalars, "seed \(seed)")
            XCTAssertEqual(sampled.generator, generator, "one uniform per row in both")
            assertClose(sampled.logProbabilities, categorical.logProbability(of: expected).scalars, "seed \(seed)")
            drawn.formUnion(sampled.actions)
        }
        XCTAssertEqual(drawn, [0, 1, 2, 3, 4], "the seeds reach every action")

        // Preparing turns the logits into the log-probabilities `headParameters` holds, and
        // `logProbability(prepared:of:)` reads any action's from them.
        let prepared = headSample(head, logits, rows: rows, seed: 0).prepared
        let reference = categorical.headParameters
        XCTAssertEqual(reference.shape, [rows, actions])
        assertClose(prepared, reference.scalars)
        assertClose(prepared, logSoftmaxGroups(logits, counts: [actions]))
        for row in 0..<rows {
            for action in 0..<actions {
                XCTAssertEqual(
                    headLogProbability(head, prepared: prepared, row: row, action: [Float(action)]),
                    categorical.logProbabilities[flat: row * actions + action], accuracy: 1e-6)
            }
        }
    }

    func testCategoricalHeadSamplesWithTheDistributionsFrequencies() {
        let probabilities: [Double] = [0.1, 0.2, 0.3, 0.4]
        let rows = 5_000
        let logits = (0..<rows).flatMap { _ in probabilities.map { Float(Foundation.log($0) + 3) } }  // unnormalised
        let actions = headSample(CategoricalHead(actionCount: 4), logits, rows: rows, seed: 7).actions
        for (action, p) in probabilities.enumerated() {
            let frequency = Double(actions.filter { $0 == Float(action) }.count) / Double(rows)
            XCTAssertEqual(frequency, p, accuracy: 0.025, "action \(action)")
        }
    }

    func testCategoricalModeIsTheFirstLargestLogit() {
        let logits: [Float] = [0, 2, 1, 2, /**/ -1, -3, -2, -1.5, /**/ 5, 5, 5, 5]
        let categorical = Categorical(logits: Tensor(shape: [3, 4], values: logits))
        XCTAssertEqual(categorical.mode.scalars, [1, 0, 0])
        XCTAssertEqual(categorical.mode.shape, [3, 1])
        let head = CategoricalHead(actionCount: 4)
        XCTAssertEqual(headMode(head, logits, rows: 3), [1, 0, 0])
        XCTAssertEqual(headMode(head, headSample(head, logits, rows: 3, seed: 1).prepared, rows: 3), [1, 0, 0], "normalising keeps the mode")
    }

    func testCategoricalHeadChecksTheActionSpace() {
        let head = CategoricalHead(actionCount: 3)
        XCTAssertNoThrow(try head.check(actionSpace: .discrete(count: 3)))
        for space: ActionSpace in [.discrete(count: 2), .discrete(count: 4), .multiDiscrete(counts: [3]), .box(Box(shape: [3], low: -1, high: 1))] {
            XCTAssertThrowsError(try head.check(actionSpace: space), "\(space)") { XCTAssertTrue($0 is SpaceError) }
        }
    }

    // MARK: MultiCategorical

    private let counts = [3, 2, 4]

    func testMultiCategoricalHeadMatchesTheTensorDistribution() {
        let width = counts.reduce(0, +)
        let rows = 4
        let logits = normals(rows * width, seed: 2, scale: 1.5)
        let multi = MultiCategorical(logits: Tensor(shape: [rows, width], values: logits), counts: counts)
        let head = MultiCategoricalHead(counts: counts)
        XCTAssertEqual(head.parameterCount, 9)
        XCTAssertEqual(head.actionDimensions, 3)

        // `headParameters` is each component's log-probabilities, side by side, per row.
        XCTAssertEqual(multi.headParameters.shape, [rows, width])
        assertClose(multi.headParameters.scalars, logSoftmaxGroups(logits, counts: counts))

        for seed in UInt64(10)..<30 {
            let sampled = headSample(head, logits, rows: rows, seed: seed)
            assertClose(sampled.prepared, multi.headParameters.scalars)
            // Each component index is in range, and the log-probability is the tensor distribution's.
            for row in 0..<rows {
                for (component, count) in counts.enumerated() {
                    let action = sampled.actions[row * 3 + component]
                    XCTAssertTrue(action >= 0 && action < Float(count) && action == action.rounded())
                }
            }
            let actions = Tensor(shape: [rows, 3], values: sampled.actions)
            assertClose(sampled.logProbabilities, multi.logProbability(of: actions).scalars, "seed \(seed)")

            // The head draws row by row, components in order, one uniform each: the same as
            // the tensor distribution sampling each row on its own from one generator.
            var generator = RandomGenerator(seed: seed)
            var rowByRow: [Float] = []
            for row in 0..<rows {
                let one = MultiCategorical(logits: Tensor(shape: [1, width], values: Array(logits[(row * width)..<((row + 1) * width)])), counts: counts)
                rowByRow += one.sample(using: &generator).scalars
            }
            XCTAssertEqual(sampled.actions, rowByRow, "seed \(seed)")
            XCTAssertEqual(sampled.generator, generator)
            var whole = RandomGenerator(seed: seed)
            XCTAssertEqual(multi.sample(using: &whole).scalars, sampled.actions, "the tensor distribution draws in the head's order")
        }

        // With one row the two samplers take the same draws in the same order.
        let single = Array(logits[0..<width])
        let oneRow = MultiCategorical(logits: Tensor(shape: [1, width], values: single), counts: counts)
        for seed in UInt64(0)..<20 {
            var generator = RandomGenerator(seed: seed)
            XCTAssertEqual(headSample(head, single, rows: 1, seed: seed).actions, oneRow.sample(using: &generator).scalars)
        }

        // Any action's log-probability from the prepared parameters.
        let prepared = headSample(head, logits, rows: rows, seed: 0).prepared
        for row in 0..<rows {
            for action: [Float] in [[0, 0, 0], [2, 1, 3], [1, 0, 2]] {
                let expected = multi.logProbability(of: Tensor(shape: [rows, 3], values: (0..<rows).flatMap { _ in action })).scalars[row]
                XCTAssertEqual(headLogProbability(head, prepared: prepared, row: row, action: action), expected, accuracy: 1e-5)
            }
        }
    }

    func testMultiCategoricalLogProbabilityAndEntropyByHand() {
        // One row: component 0 logits [0, ln 2, ln 3] → p = [1/6, 2/6, 3/6]; component 1 [0, 0] → ½, ½.
        let logits: [Float] = [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0)), 0, 0]
        let multi = MultiCategorical(logits: Tensor(shape: [1, 5], values: logits), counts: [3, 2])
        XCTAssertEqual(multi.logProbability(of: Tensor(shape: [1, 2], values: [2, 1])).scalar, Float(Foundation.log(0.5 * 0.5)), accuracy: 1e-6)
        XCTAssertEqual(multi.logProbability(of: Tensor(shape: [1, 2], values: [0, 0])).scalar, Float(Foundation.log(0.5 / 6)), accuracy: 1e-6)
        let p = [1.0 / 6, 2.0 / 6, 3.0 / 6]
        let entropy = -p.reduce(0) { $0 + $1 * Foundation.log($1) } + Foundation.log(2.0)
        XCTAssertEqual(Double(multi.entropy().scalar), entropy, accuracy: 1e-6)
        XCTAssertEqual(multi.mode.scalars, [2, 0])
    }

    func testMultiCategoricalModeAndSpaceCheck() {
        let logits: [Float] = [0, 3, 1, /**/ 2, 1, /**/ 0, 0, 4, 4, /**/ 9, 0, 0, /**/ -1, 0, /**/ 1, 0, 0, 0]
        let multi = MultiCategorical(logits: Tensor(shape: [2, 9], values: logits), counts: counts)
        XCTAssertEqual(multi.mode.shape, [2, 3])
        XCTAssertEqual(multi.mode.scalars, [1, 0, 2, 0, 1, 0])
        let head = MultiCategoricalHead(counts: counts)
        XCTAssertEqual(headMode(head, logits, rows: 2), [1, 0, 2, 0, 1, 0])

        XCTAssertNoThrow(try head.check(actionSpace: .multiDiscrete(counts: [3, 2, 4])))
        let wrong: [ActionSpace] = [
            .multiDiscrete(counts: [3, 2]), .multiDiscrete(counts: [3, 4, 2]), .multiDiscrete(counts: [3, 2, 4, 1]),
            .discrete(count: 9), .box(Box(shape: [3], low: 0, high: 4)),
        ]
        for space in wrong {
            XCTAssertThrowsError(try head.check(actionSpace: space), "\(space)") { XCTAssertTrue($0 is SpaceError) }
        }
    }

    func testMultiCategoricalGradientsMatchFiniteDifferences() {
        let store = ParameterStore()
        let logits = store.register("logits", shape: [3, 9], initialValues: normals(27, seed: 3))
        let actions = Tensor(shape: [3, 3], values: [2, 1, 3, /**/ 0, 0, 1, /**/ 1, 1, 0])
        assertParameterGradientsMatchFiniteDifferences(store) {
            projection(MultiCategorical(logits: logits.tensor, counts: self.counts).logProbability(of: actions), seed: 4)
        }
        assertParameterGradientsMatchFiniteDifferences(store) {
            projection(MultiCategorical(logits: logits.tensor, counts: self.counts).entropy(), seed: 5)
        }
    }

    // MARK: Gaussian

    func testGaussianHeadDrawsWhatDiagonalGaussianDrawsWithTheSameSeed() {
        let (rows, dimensions) = (5, 3)
        let mean = normals(rows * dimensions, seed: 6)
        for logStd in [normals(dimensions, seed: 7, scale: 0.5), normals(rows * dimensions, seed: 8, scale: 0.5)] {
            let gaussian = DiagonalGaussian(
                mean: Tensor(shape: [rows, dimensions], values: mean),
                logStandardDeviation: Tensor(shape: logStd.count == dimensions ? [dimensions] : [rows, dimensions], values: logStd))
            let parameters = gaussian.headParameters
            // Layout: per row, the D means then the D log standard deviations.
            XCTAssertEqual(parameters.shape, [rows, 2 * dimensions])
            for row in 0..<rows {
                for d in 0..<dimensions {
                    XCTAssertEqual(parameters[flat: row * 6 + d], mean[row * 3 + d])
                    XCTAssertEqual(parameters[flat: row * 6 + 3 + d], logStd[logStd.count == dimensions ? d : row * 3 + d])
                }
            }
            let head = GaussianHead(dimensions: dimensions)
            XCTAssertEqual(head.parameterCount, 6)
            XCTAssertEqual(head.actionDimensions, 3)
            for seed in UInt64(20)..<30 {
                var generator = RandomGenerator(seed: seed)
                let expected = gaussian.sample(using: &generator)
                let sampled = headSample(head, parameters.scalars, rows: rows, seed: seed)
                assertClose(sampled.actions, expected.scalars, accuracy: 1e-6, "seed \(seed)")
                XCTAssertEqual(sampled.generator, generator)
                XCTAssertEqual(sampled.prepared, parameters.scalars, "a Gaussian head leaves its parameters as they are")
                assertClose(sampled.logProbabilities, gaussian.logProbability(of: expected).scalars, "seed \(seed)")
            }
            // Any action's log-probability, against the formula in Double.
            let action: [Float] = [0.5, -1, 2]
            for row in 0..<rows {
                var expected = 0.0
                for d in 0..<dimensions {
                    let m = Double(mean[row * 3 + d]), s = Double(logStd[logStd.count == dimensions ? d : row * 3 + d])
                    let z = (Double(action[d]) - m) / Foundation.exp(s)
                    expected += -0.5 * z * z - s - 0.5 * Foundation.log(2 * Double.pi)
                }
                XCTAssertEqual(Double(headLogProbability(head, prepared: parameters.scalars, row: row, action: action)), expected, accuracy: 1e-5)
            }
            // The mode is the mean.
            XCTAssertEqual(gaussian.mode.scalars, mean)
            XCTAssertEqual(headMode(head, parameters.scalars, rows: rows), mean)
        }
    }

    func testGaussianSamplesHaveTheMeanAndStandardDeviation() {
        let mean: [Float] = [0.5, -1, 2]
        let sigma: [Float] = [0.3, 1, 2]
        let row = mean + sigma.map { Foundation.log($0) }
        let count = 20_000
        let sampled = headSample(GaussianHead(dimensions: 3), (0..<count).flatMap { _ in row }, rows: count, seed: 11)
        for d in 0..<3 {
            let values = (0..<count).map { Double(sampled.actions[$0 * 3 + d]) }
            let sampleMean = values.reduce(0, +) / Double(count)
            let sampleStd = (values.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / Double(count - 1)).squareRoot()
            // Five standard errors.
            XCTAssertEqual(sampleMean, Double(mean[d]), accuracy: 5 * Double(sigma[d]) / Double(count).squareRoot(), "dimension \(d)")
            XCTAssertEqual(sampleStd, Double(sigma[d]), accuracy: 0.025 * Double(sigma[d]), "dimension \(d)")
        }
        // The same through the tensor distribution.
        var generator = RandomGenerator(seed: 12)
        let gaussian = DiagonalGaussian(
            mean: Tensor(shape: [count, 3], values: (0..<count).flatMap { _ in mean }),
            logStandardDeviation: Tensor(shape: [3], values: sigma.map { Foundation.log($0) }))
        let drawn = gaussian.sample(using: &generator).scalars
        for d in 0..<3 {
            let sampleMean = (0..<count).reduce(0.0) { $0 + Double(drawn[$1 * 3 + d]) } / Double(count)
            XCTAssertEqual(sampleMean, Double(mean[d]), accuracy: 5 * Double(sigma[d]) / Double(count).squareRoot())
        }
    }

    func testGaussianEntropyByHand() {
        let logStd: [Float] = [-0.5, 0, 0.25]
        let perRow = logStd.reduce(0.0) { $0 + 0.5 + 0.5 * Foundation.log(2 * Double.pi) + Double($1) }
        let shared = DiagonalGaussian(mean: Tensor.zeros([2, 3]), logStandardDeviation: Tensor(shape: [3], values: logStd))
        XCTAssertEqual(shared.entropy().shape, [2])
        for value in shared.entropy().scalars { XCTAssertEqual(Double(value), perRow, accuracy: 1e-5) }
        let separate = DiagonalGaussian(mean: Tensor.zeros([2, 3]), logStandardDeviation: Tensor(shape: [2, 3], values: logStd + [0, 0, 0]))
        let entropies = separate.entropy().scalars
        XCTAssertEqual(Double(entropies[0]), perRow, accuracy: 1e-5)
        XCTAssertEqual(Double(entropies[1]), 3 * (0.5 + 0.5 * Foundation.log(2 * Double.pi)), accuracy: 1e-5)
    }

    func testGaussianGradientsMatchFiniteDifferences() {
        for perRow in [false, true] {
            let store = ParameterStore()
            let mean = store.register("mean", shape: [4, 3], initialValues: normals(12, seed: 13))
            let logStd = store.register(
                "log_std", shape: perRow ? [4, 3] : [3], initialValues: normals(perRow ? 12 : 3, seed: 14, scale: 0.3))
            let actions = Tensor(shape: [4, 3], values: normals(12, seed: 15))
            assertParameterGradientsMatchFiniteDifferences(store) {
                projection(DiagonalGaussian(mean: mean.tensor, logStandardDeviation: logStd.tensor).logProbability(of: actions), seed: 16)
            }
            assertParameterGradientsMatchFiniteDifferences(store) {
                projection(DiagonalGaussian(mean: mean.tensor, logStandardDeviation: logStd.tensor).entropy(), seed: 17)
            }
        }
    }

    func testGaussianHeadChecksTheActionSpace() {
        let head = GaussianHead(dimensions: 3)
        XCTAssertNoThrow(try head.check(actionSpace: .box(Box(shape: [3], low: -1, high: 1))))
        XCTAssertNoThrow(try head.check(actionSpace: .box(Box(shape: [1, 3], low: -2, high: 2))), "the size counts, not the shape")
        let wrong: [ActionSpace] = [
            .box(Box(shape: [2], low: -1, high: 1)), .box(Box(shape: [4], low: -1, high: 1)),
            .discrete(count: 3), .multiDiscrete(counts: [3]), .multiDiscrete(counts: [1, 1, 1]),
        ]
        for space in wrong {
            XCTAssertThrowsError(try head.check(actionSpace: space), "\(space)") { XCTAssertTrue($0 is SpaceError) }
        }
    }

    // MARK: MLPActorCritic over a Box and a MultiDiscrete space

    private let box = ActionSpace.box(Box(shape: [2], low: -1, high: 1))

    func testMLPForABoxNamesItsParametersLikeCleanRLsContinuousAgent() {
        let model = MLPActorCritic(observationSize: 4, actionSpace: box, seed: 1)
        XCTAssertEqual(model.parameters.names, [
            "critic.0.weight", "critic.0.bias", "critic.2.weight", "critic.2.bias", "critic.4.weight", "critic.4.bias",
            "actor_mean.0.weight", "actor_mean.0.bias", "actor_mean.2.weight", "actor_mean.2.bias",
            "actor_mean.4.weight", "actor_mean.4.bias", "actor_logstd",
        ])
        XCTAssertEqual(model.parameters.shape(of: "actor_mean.4.weight"), [2, 64])
        XCTAssertEqual(model.parameters.shape(of: "actor_logstd"), [1, 2])
        XCTAssertEqual(model.parameters.values(of: "actor_logstd"), [0, 0])
        XCTAssertEqual(model.parameters.count, 2 * (4 * 64 + 64 + 64 * 64 + 64) + (64 + 1) + (64 * 2 + 2) + 2)
        XCTAssertTrue(model.distributionHead is GaussianHead)
        XCTAssertEqual(model.distributionHead.parameterCount, 4)
        XCTAssertEqual(model.distributionHead.actionDimensions, 2)
        XCTAssertNoThrow(try model.distributionHead.check(actionSpace: box))
        XCTAssertEqual(model.recurrentStateSize, 0)
    }

    func testMLPForAMultiDiscreteSpace() {
        let model = MLPActorCritic(observationSize: 4, actionSpace: .multiDiscrete(counts: [3, 2]), seed: 1)
        XCTAssertEqual(Array(model.parameters.names.suffix(6)), [
            "actor.0.weight", "actor.0.bias", "actor.2.weight", "actor.2.bias", "actor.4.weight", "actor.4.bias",
        ])
        XCTAssertEqual(model.parameters.shape(of: "actor.4.weight"), [5, 64])
        XCTAssertNil(model.parameters.shape(of: "actor_logstd"))
        XCTAssertNil(model.logStandardDeviation)
        XCTAssertEqual(model.distributionHead.parameterCount, 5)
        XCTAssertEqual(model.distributionHead.actionDimensions, 2)
        XCTAssertNoThrow(try model.distributionHead.check(actionSpace: .multiDiscrete(counts: [3, 2])))
        XCTAssertThrowsError(try model.distributionHead.check(actionSpace: .discrete(count: 5)))
    }

    func testMLPSameSeedGivesIdenticalParameters() {
        for space in [box, ActionSpace.multiDiscrete(counts: [3, 2])] {
            func values(_ seed: UInt64) -> [UInt32] {
                MLPActorCritic(observationSize: 3, actionSpace: space, hidden: [8, 8], seed: seed).parameters.withValues { $0.map(\.bitPattern) }
            }
            XCTAssertEqual(values(5), values(5), "\(space)")
            XCTAssertNotEqual(values(5), values(6), "\(space)")
        }
    }

    /// `act` against `forward` on the same rows, with every parameter randomised (so a zero
    /// bias or a zero log-std cannot hide a mistake).
    private func assertActMatchesForward(_ model: MLPActorCritic, counts: [Int]?, file: StaticString = #filePath, line: UInt = #line) {
        model.parameters.withValues { values in
            var generator = RandomGenerator(seed: 21)
            for i in values.indices { values[i] = generator.nextNormal() * 0.4 }
        }
        let environments = 5
        let observations = normals(environments * model.observationSize, seed: 22)
        let head = model.distributionHead
        var parameters = [Float](repeating: .nan, count: environments * head.parameterCount)
        var values = [Float](repeating: .nan, count: environments)
        var hidden: [Float] = []
        let masks = [Float](repeating: 1, count: environments)
        let workspace = InferenceWorkspace()
        for _ in 0..<2 {  // a second call reuses the workspace
            observations.withUnsafeBufferPointer { o in
                masks.withUnsafeBufferPointer { m in
                    hidden.withUnsafeMutableBufferPointer { h in
                        parameters.withUnsafeMutableBufferPointer { p in
                            values.withUnsafeMutableBufferPointer { v in
                                model.act(observations: ObservationRows(floats: o, rows: environments), masks: m, hidden: h,
                                          environments: environments, distributionParameters: p, values: v, workspace: workspace)
                            }
                        }
                    }
                }
            }
        }
        let output = withoutGradients {
            model.forward(
                observations: ObservationBatch(floats: Tensor(shape: [environments, model.observationSize], values: observations)),
                masks: Tensor(shape: [environments], values: masks), hidden: Tensor.zeros([environments, 0]),
                steps: 1, environments: environments)
        }
        assertClose(values, output.values.scalars, "values", file: file, line: line)
        let reference = output.distribution.headParameters.scalars
        if let counts {
            // `act` writes logits; `headParameters` holds their log-softmax per component. The
            // head normalises in place before sampling, so both are the same distribution.
            assertClose(logSoftmaxGroups(parameters, counts: counts), reference, "distribution parameters", file: file, line: line)
        } else {
            assertClose(parameters, reference, "distribution parameters", file: file, line: line)
        }
        // The head draws the same actions from either.
        let fromAct = headSample(head, parameters, rows: environments, seed: 23)
        let fromForward = headSample(head, reference, rows: environments, seed: 23)
        XCTAssertEqual(fromAct.actions, fromForward.actions, file: file, line: line)
        assertClose(fromAct.logProbabilities, output.distribution.logProbability(of: Tensor(shape: [environments, head.actionDimensions], values: fromAct.actions)).scalars,
                    "log-probabilities", file: file, line: line)
    }

    func testMLPActMatchesForwardForABox() {
        let model = MLPActorCritic(observationSize: 4, actionSpace: box, hidden: [16, 8], seed: 2)
        assertActMatchesForward(model, counts: nil)
        // The log standard deviations reach `act` from the parameter store.
        let logStd = model.parameters.values(of: "actor_logstd")!
        XCTAssertNotEqual(logStd, [0, 0])
        let output = withoutGradients {
            model.forward(observations: ObservationBatch(floats: Tensor.zeros([1, 4])), masks: Tensor(shape: [1], values: [1]),
                          hidden: Tensor.zeros([1, 0]), steps: 1, environments: 1)
        }
        XCTAssertEqual(Array(output.distribution.headParameters.scalars[2..<4]), logStd)
    }

    func testMLPActMatchesForwardForAMultiDiscreteSpace() {
        let model = MLPActorCritic(observationSize: 3, actionSpace: .multiDiscrete(counts: [3, 2, 2]), hidden: [8], activation: .relu, seed: 3)
        assertActMatchesForward(model, counts: [3, 2, 2])
    }

    func testMLPGaussianLossGradientsReachEveryParameter() {
        let model = MLPActorCritic(observationSize: 2, actionSpace: box, hidden: [3], seed: 4)
        model.parameters.withValues { values in
            var generator = RandomGenerator(seed: 24)
            for i in values.indices { values[i] = generator.nextNormal() * 0.5 }
        }
        let observations = ObservationBatch(floats: Tensor(shape: [3, 2], values: normals(6, seed: 25)))
        let actions = Tensor(shape: [3, 2], values: normals(6, seed: 26))
        assertParameterGradientsMatchFiniteDifferences(model.parameters) {
            let output = model.forward(observations: observations, masks: Tensor(shape: [3], repeating: 1),
                                       hidden: Tensor.zeros([3, 0]), steps: 1, environments: 3)
            return projection(output.distribution.logProbability(of: actions), seed: 27)
                + output.distribution.entropy().mean() + projection(output.values, seed: 28)
        }
        XCTAssertTrue(model.parameters.gradients(of: "actor_logstd")!.allSatisfy { $0 != 0 })
    }
}
