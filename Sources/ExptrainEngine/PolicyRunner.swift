import ExptrainEnvironment
import ExptrainExperiment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom

/// Plays a finite set of tasks with a fixed policy, several environments side by side,
/// and adds up what they achieved: evaluation on the validation or test set.
struct PolicyEvaluation {
    var episodes = 0.0
    var returnSum = 0.0
    var lengthSum = 0.0
    var successSum = 0.0
    var successEpisodes = 0.0

    /// Runs every task `sampler` yields on this rank, `environments` at a time, with
    /// actions sampled from `model`'s policy (through a `PolicyStepper`) using `generator`,
    /// on observations normalised by the frozen `normalizer` when there is one.
    static func run(
        sampler: some TaskSampler, model: any ActorCriticModel, environments: Int, normalizer: ObservationNormalizer?,
        generator: inout RandomGenerator
    ) throws -> PolicyEvaluation {
        var result = PolicyEvaluation()
        guard let batch = try sampler.batch(environments: environments, endless: false) else { return result }
        try model.distributionHead.check(actionSpace: batch.actionSpace)
        let space = batch.observationSpace
        let actionSpace = batch.actionSpace
        let stepper = PolicyStepper(model: model, environments: environments)
        var floats = [Float](repeating: 0, count: environments * space.floatCount)
        var bytes = [UInt8](repeating: 0, count: environments * space.byteCount)
        var masks = [Float](repeating: 0, count: environments)
        var actions = [Action](repeating: .discrete(0), count: environments)
        let outcome = BatchStepOutcome(environments: environments)

        while (0..<environments).contains(where: batch.isActive) {
            for e in 0..<environments where batch.isActive(e) {
                floats.withUnsafeMutableBufferPointer { floats in
                    bytes.withUnsafeMutableBufferPointer { bytes in
                        let row = UnsafeMutableBufferPointer(rebasing: floats[(e * space.floatCount)..<((e + 1) * space.floatCount)])
                        batch.writeObservation(
                            of: e, floats: row,
                            bytes: UnsafeMutableBufferPointer(rebasing: bytes[(e * space.byteCount)..<((e + 1) * space.byteCount)]))
                        normalizer?.normalize(row)
                    }
                }
            }
            floats.withUnsafeBufferPointer { floats in
                bytes.withUnsafeBufferPointer { bytes in
                    masks.withUnsafeBufferPointer { stepper.act(ObservationRows(floats: floats, bytes: bytes, rows: environments), masks: $0) }
                }
            }
            stepper.sampleActions(using: &generator)
            for e in 0..<environments { actionSpace.decode(stepper.action(of: e), into: &actions[e]) }
            try batch.step(actions, into: outcome)
            for finished in outcome.finished { result.add(finished.metrics) }
            for e in 0..<environments { masks[e] = outcome.episodeEnded[e] ? 0 : 1 }
        }
        return result
    }

    mutating func add(_ metrics: TaskMetrics) {
        episodes += 1
        returnSum += metrics.episodeReturn
        lengthSum += Double(metrics.length)
        if let success = metrics.success {
            successEpisodes += 1
            successSum += success ? 1 : 0
        }
    }

    /// The sums as one array, for a single all-reduce across ranks.
    var sums: [Double] { [episodes, returnSum, lengthSum, successSum, successEpisodes] }

    init() {}

    init(sums: [Double]) {
        (episodes, returnSum, lengthSum, successSum, successEpisodes) = (sums[0], sums[1], sums[2], sums[3], sums[4])
    }
}
