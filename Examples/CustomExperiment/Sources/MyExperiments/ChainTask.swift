import ExptrainExperiment
import ExptrainRandom

/// A corridor of `length` cells: action 1 moves right, action 0 moves left; reaching
/// the right end pays 1 and ends the episode. The observation is a one-hot of the cell.
final class ChainTask: Task {
    let length: Int
    let maxSteps: Int
    private(set) var position = 0
    private(set) var numStepsTaken = 0
    private(set) var isDone = false
    private var episodeReturn = 0.0
    private(set) var currentObservation: Observation

    init(length: Int, start: Int, maxSteps: Int) {
        self.length = length
        self.maxSteps = maxSteps
        position = start
        currentObservation = Observation(floats: [Float](repeating: 0, count: length))
        currentObservation.floats[position] = 1
    }

    var actionSpace: ActionSpace { .discrete(count: 2) }
    var observationSpace: ObservationSpace { ObservationSpace(shape: [length], low: 0, high: 1) }

    func step(action: Action) throws -> StepResult {
        guard let move = action.index, !isDone else { throw TaskError("ChainTask takes Discrete(2) actions on a running episode, got \(action)") }
        currentObservation.floats[position] = 0
        position = max(0, min(length - 1, position + (move == 1 ? 1 : -1)))
        currentObservation.floats[position] = 1
        numStepsTaken += 1
        let reachedEnd = position == length - 1
        let reward: Float = reachedEnd ? 1 : 0
        episodeReturn += Double(reward)
        isDone = reachedEnd || numStepsTaken >= maxSteps
        return StepResult(observation: currentObservation, reward: reward, terminated: reachedEnd, truncated: !reachedEnd && isDone)
    }

    func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: position == length - 1)
    }

    func expertAction() -> Action? { .discrete(1) }
}

/// Chains that start at a random cell of the left half; endless, or `episodes` long.
final class ChainSampler: TaskSampler {
    let chainLength: Int
    let episodes: Int?
    private var generator: RandomGenerator
    private var seed: UInt64
    private var produced = 0

    init(chainLength: Int, seed: UInt64, episodes: Int?) {
        self.chainLength = chainLength
        self.episodes = episodes
        self.seed = seed
        generator = RandomGenerator(seed: seed)
    }

    func nextTask() -> ChainTask? {
        if let episodes, produced >= episodes { return nil }
        produced += 1
        return ChainTask(length: chainLength, start: generator.nextInt(below: chainLength / 2), maxSteps: 4 * chainLength)
    }

    var length: Int? { episodes.map { $0 - produced } }
    var totalUnique: Int? { chainLength / 2 }
    func reset() { setSeed(seed) }

    func setSeed(_ seed: UInt64) {
        self.seed = seed
        generator = RandomGenerator(seed: seed)
        produced = 0
    }
}
