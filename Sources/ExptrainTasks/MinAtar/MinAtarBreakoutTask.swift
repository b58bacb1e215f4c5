import ExptrainEnvironment
import ExptrainRandom

/// One episode of `MinAtar/Breakout-v1`: MinAtar's Breakout (`MinAtarBreakoutGame`) with
/// sticky actions (p = 0.1) and the minimal action set, as the `minatar` package's
/// Gymnasium registration makes it.
///
/// - Actions: `Discrete(3)`, 0 no-op, 1 left, 2 right (MinAtar's actions 0, 1 and 3).
/// - Observation: one UInt8 part of shape [10, 10, 4] (HWC), 0 or 1, channels paddle,
///   ball, trail, brick: `bytes[(y·10 + x)·4 + channel]` (MinAtar's `state()` as bytes
///   instead of `bool`).
/// - Reward +1 per brick broken; the episode terminates when the ball passes the paddle.
///   Breakout has no difficulty ramp. `MinAtar/Breakout-v1` has no step limit, so by
///   default neither has this task; `maxSteps` truncates when given.
/// - Randomness, from the episode's own generator in MinAtar's order: the ball's start
///   (one `nextInt(below: 2)`), then one `nextUniformDouble()` per step for the sticky
///   action. MinAtar keeps the last executed action across the episodes of one
///   environment; here every episode starts from the no-op, as MinAtar's first one does.
///
/// ```swift
/// let task = MinAtarBreakoutTask(seed: 1)
/// let result = try task.step(action: .discrete(2))   // paddle right
/// ```
public final class MinAtarBreakoutTask: Task, ProgressSaving {
    /// The agent's actions as MinAtar's (`MinAtarBreakoutGame.minimalActionSet`).
    public static let actionSet = MinAtarBreakoutGame.minimalActionSet
    /// The observation space: UInt8 [10, 10, 4] in [0, 1].
    public static let space = ObservationSpace.box(
        Box(shape: [MinAtarBreakoutGame.size, MinAtarBreakoutGame.size, MinAtarBreakoutGame.channels],
            low: 0, high: 1, elementType: .uint8))

    public let actionSpace = ActionSpace.discrete(count: MinAtarBreakoutTask.actionSet.count)
    public let observationSpace = MinAtarBreakoutTask.space
    public private(set) var currentObservation: Observation
    public private(set) var numStepsTaken = 0
    public let maxSteps: Int
    public private(set) var isDone = false
    /// The game's state.
    public private(set) var game: MinAtarBreakoutGame
    private var sticky: StickyActions
    private var rng: RandomGenerator
    private var episodeReturn = 0.0

    /// An episode whose ball start and sticky actions are drawn from a generator seeded with `seed`.
    public init(seed: UInt64, stickyActionProbability: Double = StickyActions.minAtarProbability, maxSteps: Int = .max) {
        precondition(maxSteps > 0, "maxSteps must be positive")
        rng = RandomGenerator(seed: seed)
        game = MinAtarBreakoutGame(ballStartsRight: rng.nextInt(below: 2) == 1)
        sticky = StickyActions(probability: stickyActionProbability)
        self.maxSteps = maxSteps
        currentObservation = Observation(zerosOf: MinAtarBreakoutTask.space)
        game.writeState(into: &currentObservation.bytes)
    }

    public func step(action: Action) throws -> StepResult {
        guard !isDone else { throw TaskError("step(action:) called on a finished MinAtar Breakout episode") }
        guard let index = action.index, Self.actionSet.indices.contains(index) else {
            throw TaskError("MinAtar/Breakout-v1 actions are Discrete(3): 0 (no-op), 1 (left), 2 (right), got \(action)")
        }
        let executed = sticky.resolve(Self.actionSet[index], draw: rng.nextUniformDouble())
        let reward = game.act(executed)
        numStepsTaken += 1
        episodeReturn += Double(reward)
        game.writeState(into: &currentObservation.bytes)
        let terminated = game.isTerminal
        let truncated = !terminated && numStepsTaken >= maxSteps
        isDone = terminated || truncated
        return StepResult(observation: currentObservation, reward: Float(reward), terminated: terminated, truncated: truncated)
    }

    /// Steps taken, the done flag, the return, the episode's generator (4 words), the last
    /// executed action, then the game's words (`MinAtarBreakoutGame.savedProgress`); the
    /// observation is rebuilt from the game.
    public var savedProgress: [UInt64] {
        [UInt64(numStepsTaken), isDone ? 1 : 0, episodeReturn.bitPattern] + rng.state + [UInt64(sticky.lastAction)] + game.savedProgress
    }

    public func restoreProgress(_ words: [UInt64]) throws {
        let what = "a saved MinAtar Breakout task"
        var reader = ProgressReader(words, what: what)
        let steps = try reader.count(below: min(maxSteps, Int.max - 1) + 1)
        let done = try reader.flag()
        let episodeReturn = try reader.double()
        let state = try reader.words(4)
        guard state.contains(where: { $0 != 0 }) else { throw TaskError("\(what) has an all-zero generator state; it is corrupt") }
        let lastAction = try reader.count(below: MinAtarBreakoutGame.fullActionCount)
        var game = self.game
        try game.restore(from: &reader)
        try reader.finish()
        (numStepsTaken, isDone, self.episodeReturn) = (steps, done, episodeReturn)
        rng = RandomGenerator(state: state)
        sticky = StickyActions(probability: sticky.probability, lastAction: lastAction)
        self.game = game
        game.writeState(into: &currentObservation.bytes)
    }

    /// Return (bricks broken) and length so far; Breakout has no goal, so `success` is `nil`.
    public func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken)
    }
}
