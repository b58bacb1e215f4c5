import ExptrainExperiment
import ExptrainNN
import ExptrainRandom
import ExptrainTensor

/// Plays a finite set of tasks with a fixed policy, several environments side by side,
/// and adds up what they achieved: evaluation on the validation or test set.
struct PolicyEvaluation {
    var episodes = 0.0
    var returnSum = 0.0
    var lengthSum = 0.0
    var successSum = 0.0
    var successEpisodes = 0.0

    /// Runs every task `sampler` yields on this rank, `environments` at a time, with
    /// actions sampled from `model`'s policy using `generator`.
    static func run<Sampler: TaskSampler>(
        sampler: Sampler, model: some ActorCriticModel, environments: Int, generator: inout RandomGenerator
    ) throws -> PolicyEvaluation {
        var result = PolicyEvaluation()
        var tasks: [Sampler.SampledTask?] = (0..<environments).map { _ in sampler.nextTask() }
        guard let first = tasks.compactMap({ $0 }).first else { return result }
        let observationSize = first.observationSpace.size
        guard first.actionSpace.count == model.actionCount else {
            throw ExperimentError("the model has \(model.actionCount) actions but the evaluation task's action space is \(first.actionSpace)")
        }
        let observations = Tensor.zeros([environments, observationSize])
        let masks = Tensor.zeros([environments])
        var hidden = Tensor.zeros([environments, model.recurrentStateSize])
        var actions = [Int](repeating: 0, count: environments)
        var startsEpisode = [Bool](repeating: true, count: environments)

        while tasks.contains(where: { $0 != nil }) {
            observations.withUnsafeMutableBufferPointer { batch in
                masks.withUnsafeMutableBufferPointer { maskValues in
                    for e in 0..<environments {
                        maskValues[e] = startsEpisode[e] ? 0 : 1
                        guard let task = tasks[e] else { continue }
                        let observation = task.currentObservation
                        for k in 0..<observationSize { batch[e * observationSize + k] = observation[k] }
                    }
                }
            }
            let output = withoutGradients {
                model.forward(observations: observations, masks: masks, hidden: hidden, steps: 1, environments: environments)
            }
            Categorical(logits: output.logits).sample(into: &actions, using: &generator)
            hidden = output.hidden
            for e in 0..<environments {
                guard let task = tasks[e] else { continue }
                startsEpisode[e] = false
                if task.step(action: actions[e]).done {
                    result.add(task.metrics())
                    tasks[e] = sampler.nextTask()
                    startsEpisode[e] = true
                }
            }
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
