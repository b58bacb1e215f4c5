import ExptrainEnvironment
import ExptrainRandom

/// The physical state of a classic-control task, which Gymnasium's `reset` draws at random.
public protocol ClassicControlState: Sendable, Equatable {
    /// Gymnasium's random starting state, drawn from `rng` (we don't reproduce numpy's
    /// generator, only its ranges).
    static func random(using rng: inout RandomGenerator) -> Self
    /// The state's components, in `Double`, for saving a task in progress.
    var components: [Double] { get }
    /// The state with `components` (as `components` gives them).
    init(components: [Double])
}

/// A Gymnasium classic-control task: it starts from any `State`, or from a random one
/// drawn from a `RandomGenerator`, so that `ClassicControlTaskSampler` can yield its episodes.
public protocol ClassicControlTask: Task {
    associatedtype State: ClassicControlState
    /// Gymnasium's `max_episode_steps` for the task.
    static var defaultMaxSteps: Int { get }
    /// The current physical state.
    var state: State { get }
    /// An episode starting from `initialState`.
    init(initialState: State, maxSteps: Int)
    /// Starts this task's next episode from `initialState`, in the task's own storage:
    /// afterwards it is what `init(initialState:maxSteps:)` with its `maxSteps` (and its
    /// other parameters) makes.
    func restart(from initialState: State)
}

extension ClassicControlTask {
    /// An episode from Gymnasium's random starting state (its `reset`), drawn from `rng`.
    public init(using rng: inout RandomGenerator, maxSteps: Int = Self.defaultMaxSteps) {
        self.init(initialState: State.random(using: &rng), maxSteps: maxSteps)
    }
}

/// One episode of a classic-control task: what `AcrobotTask`, `MountainCarTask`,
/// `MountainCarContinuousTask` and `PendulumTask` share, each a subclass that adds its
/// dynamics in `step(action:)`.
///
/// It keeps the state, the observation (one value, updated in place by every step) and
/// the step count, return and end of the episode, the way Gymnasium's `TimeLimit` and
/// `RecordEpisodeStatistics` keep them: a step is *truncated* once `maxSteps` steps have
/// been taken, even when the same step also terminates, and the return sums the rewards
/// as `Double`s (Python floats) before any rounding to `Float`.
///
/// ```swift
/// let task = MountainCarTask(initialState: MountainCarState(position: -0.5, velocity: 0), maxSteps: 3)
/// while !task.isDone { _ = try task.step(action: .discrete(2)) }
/// task.numStepsTaken   // 3
/// ```
public class ClassicControlEpisode<State: ClassicControlState>: ProgressSaving {
    public let actionSpace: ActionSpace
    public let observationSpace: ObservationSpace
    /// The observation of the current state.
    public internal(set) var currentObservation: Observation
    /// The current physical state.
    public internal(set) var state: State
    public let maxSteps: Int
    public private(set) var numStepsTaken = 0
    public private(set) var isDone = false
    /// Gymnasium's id of the task, for error messages.
    let taskName: String
    /// The last step ended the episode by the task's own rules.
    private(set) var hasTerminated = false
    private var episodeReturn = 0.0

    init(initialState: State, actionSpace: ActionSpace, observationSpace: ObservationSpace, maxSteps: Int, taskName: String) {
        precondition(maxSteps > 0, "maxSteps must be positive")
        state = initialState
        self.actionSpace = actionSpace
        self.observationSpace = observationSpace
        currentObservation = Observation(zerosOf: observationSpace)
        self.maxSteps = maxSteps
        self.taskName = taskName
    }

    /// The state's components, then the step count, the episode's end (over, terminated),
    /// the return and the observation's floats, as words (see `ProgressSaving`).
    public var savedProgress: [UInt64] {
        state.components.map(\.bitPattern)
            + [UInt64(numStepsTaken), isDone ? 1 : 0, hasTerminated ? 1 : 0, episodeReturn.bitPattern]
            + currentObservation.floats.map { UInt64($0.bitPattern) }
    }

    /// Restores what `savedProgress` saved.
    public func restoreProgress(_ words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved \(taskName) task")
        let components = try (0..<state.components.count).map { _ in try reader.double() }
        let steps = try reader.count(below: maxSteps + 1)
        let (done, terminated) = (try reader.flag(), try reader.flag())
        let episodeReturn = try reader.double()
        let floats = try reader.words(currentObservation.floats.count).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        try reader.finish()
        state = State(components: components)
        numStepsTaken = steps
        isDone = done
        hasTerminated = terminated
        self.episodeReturn = episodeReturn
        currentObservation.floats = floats
    }

    /// Sets the state to `initialState` and forgets the episode: no steps, no return, not
    /// over. The subclass then writes the observation of the new state.
    func restartEpisode(from initialState: State) {
        state = initialState
        numStepsTaken = 0
        isDone = false
        hasTerminated = false
        episodeReturn = 0
    }

    /// Throws when the episode is already over.
    func checkRunning() throws(TaskError) {
        guard !isDone else { throw TaskError("step(action:) called on a finished \(taskName) episode") }
    }

    /// Counts one step that paid `reward` and returns what it did, with the observation
    /// already written for the new state.
    func finishStep(reward: Double, terminated: Bool) -> StepResult {
        numStepsTaken += 1
        episodeReturn += reward
        hasTerminated = terminated
        let truncated = numStepsTaken >= maxSteps
        isDone = terminated || truncated
        return StepResult(observation: currentObservation, reward: Float(reward), terminated: terminated, truncated: truncated)
    }

    /// Return and length so far, with `success` when the task has a goal.
    func episodeMetrics(success: Bool?) -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: success)
    }

    /// The index of a `Discrete(count)` action, or a `TaskError` naming what was wrong.
    func discreteIndex(of action: Action, count: Int) throws(TaskError) -> Int {
        guard let index = action.index, (0..<count).contains(index) else {
            throw TaskError("\(taskName) actions are Discrete(\(count)), 0 to \(count - 1), got \(action)")
        }
        return index
    }

    /// The value of a one-element `Box` action, or a `TaskError` naming what was wrong.
    func continuousValue(of action: Action) throws(TaskError) -> Float {
        guard case .continuous(let values) = action, values.count == 1 else {
            throw TaskError("\(taskName) actions are a Box of one Float, got \(action)")
        }
        return values[0]
    }
}

/// numpy's `np.clip(x, low, high)` for one value: `minimum(maximum(x, low), high)`.
@inline(__always)
func clip<F: FloatingPoint>(_ x: F, _ low: F, _ high: F) -> F {
    min(max(x, low), high)
}

extension RandomGenerator {
    /// numpy's `uniform(low, high)`: `low + (high - low) * u`, u uniform in [0, 1).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUniformDouble()
    }
}
