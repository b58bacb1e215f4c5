import ExptrainExperiment
import ExptrainRandom

/// A point on the plane steered to a goal: the action is a velocity in `Box([-1, 1]²)`
/// (the engine clips the policy's sample to it), the observation a dictionary of the
/// point's `position` and the `goal`, both `Box([-1, 1]²)`.
///
///     p ← clip(p + 0.1·a, −1, 1),   r = 10·(d_before − d_after) + (1 if d_after < 0.1)
///
/// with `d` the distance to the goal; reaching it ends the episode, 40 steps truncate it.
final class ReachTask: Task {
    static let speed: Float = 0.1
    static let goalRadius: Float = 0.1
    static let observationSpace = ObservationSpace.dictionary([
        ObservationPart("position", Box(shape: [2], low: -1, high: 1)),
        ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
    ])

    let actionSpace = ActionSpace.box(Box(shape: [2], low: -1, high: 1))
    var observationSpace: ObservationSpace { Self.observationSpace }
    let maxSteps = 40
    private(set) var currentObservation: Observation
    private(set) var numStepsTaken = 0
    private(set) var isDone = false
    private var episodeReturn = 0.0
    private var reached = false

    init(position: (Float, Float), goal: (Float, Float)) {
        // Float parts one after another in the space's order: position, then goal.
        currentObservation = Observation(floats: [position.0, position.1, goal.0, goal.1])
    }

    private var distance: Float {
        let floats = currentObservation.floats
        let (dx, dy) = (floats[0] - floats[2], floats[1] - floats[3])
        return (dx * dx + dy * dy).squareRoot()
    }

    func step(action: Action) throws -> StepResult {
        guard case .continuous(let velocity) = action, velocity.count == 2, !isDone else {
            throw TaskError("ReachTask takes a Box(2) action on a running episode, got \(action)")
        }
        let before = distance
        for axis in 0..<2 {
            currentObservation.floats[axis] = min(1, max(-1, currentObservation.floats[axis] + Self.speed * velocity[axis]))
        }
        let after = distance
        reached = after < Self.goalRadius
        numStepsTaken += 1
        let reward = 10 * (before - after) + (reached ? 1 : 0)
        episodeReturn += Double(reward)
        isDone = reached || numStepsTaken >= maxSteps
        return StepResult(observation: currentObservation, reward: reward, terminated: reached, truncated: !reached && isDone)
    }

    func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: reached)
    }
}

/// Reach tasks from random starts in `[-0.5, 0.5]²` to random goals in `[-0.8, 0.8]²`;
/// endless, or `episodes` long.
final class ReachSampler: TaskSampler {
    let episodes: Int?
    private var generator: RandomGenerator
    private var seed: UInt64
    private var produced = 0

    init(seed: UInt64, episodes: Int?) {
        self.episodes = episodes
        self.seed = seed
        generator = RandomGenerator(seed: seed)
    }

    func nextTask() -> ReachTask? {
        if let episodes, produced >= episodes { return nil }
        produced += 1
        func uniform(_ half: Float) -> Float { half * (2 * generator.nextUniform() - 1) }
        return ReachTask(position: (uniform(0.5), uniform(0.5)), goal: (uniform(0.8), uniform(0.8)))
    }

    var length: Int? { episodes.map { $0 - produced } }
    var totalUnique: Int? { nil }
    func reset() { setSeed(seed) }

    func setSeed(_ seed: UInt64) {
        self.seed = seed
        generator = RandomGenerator(seed: seed)
        produced = 0
    }
}
