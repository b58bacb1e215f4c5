/// What one step of a task returned.
///
/// Gymnasium's split of "done" is kept: an episode *terminates* when the task's
/// own rules end it (the pole fell, the goal was reached) and is *truncated* when a
/// step limit cuts it off. The difference matters for value bootstrapping: a
/// truncated episode's last state still has a future.
public struct StepResult: Sendable {
    /// The observation after the step (flat, `observationSpace.size` values).
    public var observation: [Float]
    /// The reward for this step.
    public var reward: Float
    /// The episode ended by the task's own rules.
    public var terminated: Bool
    /// The episode was cut off by a step limit.
    public var truncated: Bool

    public init(observation: [Float], reward: Float, terminated: Bool, truncated: Bool) {
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
/// A task starts in its initial state, exposes `currentObservation`, and is advanced
/// by `step(action:)` until `isDone`. Tasks are deterministic given the seed their
/// sampler was given.
///
/// ```swift
/// var task = sampler.nextTask()!
/// while !task.isDone {
///     let result = task.step(action: policy(task.currentObservation))
/// }
/// print(task.metrics().episodeReturn)
/// ```
///
/// To keep rollouts free of allocation, a task keeps its observation in one array
/// that it updates in place; the caller copies it out before the next step.
public protocol Task: AnyObject {
    /// The actions `step(action:)` accepts.
    var actionSpace: ActionSpace { get }
    /// The shape and bounds of observations.
    var observationSpace: ObservationSpace { get }
    /// The observation of the current state (the reset observation before the first step).
    var currentObservation: [Float] { get }
    /// Applies `action` (in `0..<actionSpace.count`) and returns what happened.
    ///
    /// - Precondition: the task is not done.
    func step(action: Int) -> StepResult
    /// Steps taken so far in this episode.
    var numStepsTaken: Int { get }
    /// The step limit after which the episode is truncated.
    var maxSteps: Int { get }
    /// The episode is over (terminated or truncated).
    var isDone: Bool { get }
    /// The episode's return, length and success so far.
    func metrics() -> TaskMetrics
    /// The action an expert would take now, for imitation stages; `nil` if the task has no expert.
    func expertAction() -> Int?
}

extension Task {
    public func expertAction() -> Int? { nil }
}

/// A source of tasks (AllenAct's `TaskSampler`); each rank owns exactly one.
///
/// A training sampler is endless (`length == nil`); a validation or test sampler
/// yields a finite set and then `nil`, until `reset()`.
public protocol TaskSampler: AnyObject {
    associatedtype SampledTask: Task

    /// The next task, or `nil` when a finite set is exhausted.
    func nextTask() -> SampledTask?
    /// Tasks left before `nextTask()` returns `nil`; `nil` for an endless sampler.
    var length: Int? { get }
    /// The number of distinct tasks this sampler can produce, when known.
    var totalUnique: Int? { get }
    /// Starts a finite sampler's set again from its first task.
    func reset()
    /// Reseeds the sampler: the tasks that follow depend only on `seed`.
    func setSeed(_ seed: UInt64)
}
