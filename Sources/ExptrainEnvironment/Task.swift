/// What one step of a task returned.
///
/// Gymnasium's split of "done" is kept: an episode *terminates* when the task's own
/// rules end it (the pole fell, the goal was reached) and is *truncated* when a step
/// limit cuts it off. The difference matters for value bootstrapping: a truncated
/// episode's last state still has a future.
public struct StepResult: Sendable {
    /// The observation after the step.
    public var observation: Observation
    /// The reward for this step.
    public var reward: Float
    /// The episode ended by the task's own rules.
    public var terminated: Bool
    /// The episode was cut off by a step limit.
    public var truncated: Bool

    public init(observation: Observation, reward: Float, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }

    /// The episode is over, whichever way it ended.
    public var done: Bool { terminated || truncated }
}

/// What an episode achieved, reported by `Task.metrics()` when it is done.
public struct TaskMetrics: Sendable, Equatable {
    /// Sum of the episode's rewards.
    public var episodeReturn: Double
    /// Number of steps taken.
    public var length: Int
    /// Whether the goal was reached, for tasks that have a goal (`nil` otherwise).
    public var success: Bool?

    public init(episodeReturn: Double, length: Int, success: Bool? = nil) {
        self.episodeReturn = episodeReturn
        self.length = length
        self.success = success
    }
}

/// One episode of an environment (AllenAct's `Task`).
///
/// A task starts in its initial state, exposes `currentObservation`, and is advanced by
/// `step(action:)` until `isDone`. Tasks are deterministic given the seed their sampler
/// was given. A task is a class: the engine keeps each running task and steps it in place.
///
/// ```swift
/// final class Corridor: Task {
///     let actionSpace = ActionSpace.discrete(count: 2)
///     let observationSpace = ObservationSpace(shape: [1], low: 0, high: 1)
///     private(set) var currentObservation = Observation(floats: [0])
///     private(set) var numStepsTaken = 0
///     let maxSteps = 20
///     private(set) var isDone = false
///
///     func step(action: Action) throws -> StepResult {
///         guard let move = action.index else { throw TaskError("Corridor takes a discrete action, got \(action)") }
///         numStepsTaken += 1
///         currentObservation.floats[0] = min(1, max(0, currentObservation.floats[0] + (move == 1 ? 0.1 : -0.1)))
///         let reachedEnd = currentObservation.floats[0] >= 1
///         isDone = reachedEnd || numStepsTaken >= maxSteps
///         return StepResult(observation: currentObservation, reward: reachedEnd ? 1 : 0,
///                           terminated: reachedEnd, truncated: !reachedEnd && numStepsTaken >= maxSteps)
///     }
///     func metrics() -> TaskMetrics { TaskMetrics(episodeReturn: isDone ? 1 : 0, length: numStepsTaken) }
/// }
/// ```
public protocol Task: AnyObject {
    /// The actions `step(action:)` accepts.
    var actionSpace: ActionSpace { get }
    /// The shape, element types and bounds of observations.
    var observationSpace: ObservationSpace { get }
    /// The observation of the current state (the reset observation before the first step).
    var currentObservation: Observation { get }
    /// Applies `action` and returns what happened.
    ///
    /// Throws (a `TaskError`, or any error of the environment's) when the environment
    /// fails or the action is not one it accepts; the run then ends with that message.
    func step(action: Action) throws -> StepResult
    /// Steps taken so far in this episode.
    var numStepsTaken: Int { get }
    /// The step limit after which the episode is truncated.
    var maxSteps: Int { get }
    /// The episode is over (terminated or truncated).
    var isDone: Bool { get }
    /// The episode's return, length and success so far.
    func metrics() -> TaskMetrics
    /// The action an expert would take now, for imitation stages; `nil` if the task has no expert.
    func expertAction() -> Action?
}

extension Task {
    public func expertAction() -> Action? { nil }
}
