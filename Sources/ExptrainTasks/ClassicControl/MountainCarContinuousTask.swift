#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom

/// One episode of MountainCarContinuous-v0 with Gymnasium's dynamics, goal, reward and
/// 999-step limit.
///
/// The action is one value a in a `Box` [-1, 1]; the force is a clipped to [-1, 1]
/// (the task clips it itself, as Gymnasium does, whatever it is given). With power
/// 0.0015, one step computes
///
///     v ← v + force·0.0015 − 0.0025·cos(3·x),   then v clipped to ±0.07
///     x ← x + v,                                 then x clipped to [−1.2, 0.6]
///
/// and stops the car (v ← 0) when it is at the left wall x = −1.2 moving left. The
/// episode terminates when x ≥ 0.45 and v ≥ 0; the reward is 100 on that step, and
/// every step subtracts 0.1·a² (of the action as given, before clipping, as Gymnasium
/// does). It is truncated after 999 steps (Gymnasium's `TimeLimit`). The observation
/// is (x, v) as `Float`s.
///
/// Gymnasium stores this state as float32 after every step, while the state `reset`
/// makes (and a state set from outside) is float64, and under numpy 2's promotion rules
/// a float32 value meeting a Python float stays float32. So the first step from
/// `initialState` runs in `Double` and every later one in `Float`, each with
/// Gymnasium's mix of precisions, and trajectories match Gymnasium's bit for bit.
///
/// ```swift
/// let task = MountainCarContinuousTask(initialState: MountainCarState(position: -0.5, velocity: 0))
/// let result = try task.step(action: .continuous([0.75]))   // push right
/// print(result.observation.floats, result.reward)
/// ```
public final class MountainCarContinuousTask: ClassicControlEpisode<MountainCarState>, ClassicControlTask {
    public static let minAction = -1.0
    public static let maxAction = 1.0
    public static let minPosition = MountainCarTask.minPosition
    public static let maxPosition = MountainCarTask.maxPosition
    public static let maxSpeed = MountainCarTask.maxSpeed
    /// The flag's position: reaching it (moving right or not at all) ends the episode.
    /// (0.5 in MountainCar-v0, 0.45 here, as in Gymnasium.)
    public static let goalPosition = 0.45
    public static let goalVelocity = 0.0
    public static let power = 0.0015
    public static let gravity = MountainCarTask.gravity
    /// The reward of the step that reaches the flag, before the action's cost.
    public static let goalReward = 100.0
    /// Every step costs this times the square of the action.
    public static let actionCostWeight = 0.1
    /// MountainCarContinuous-v0's `max_episode_steps`.
    public static let defaultMaxSteps = 999

    /// An episode starting from `initialState` (tests use this to start anywhere).
    public init(initialState: MountainCarState, maxSteps: Int = MountainCarContinuousTask.defaultMaxSteps) {
        let actions = Box(shape: [1], low: Float(Self.minAction), high: Float(Self.maxAction))
        super.init(
            initialState: initialState, actionSpace: .box(actions), observationSpace: MountainCarState.observationSpace,
            maxSteps: maxSteps, taskName: "MountainCarContinuous-v0")
        state.write(to: &currentObservation)
    }

    public func restart(from initialState: MountainCarState) {
        restartEpisode(from: initialState)
        state.write(to: &currentObservation)
    }

    public func step(action: Action) throws -> StepResult {
        try checkRunning()
        let a = try continuousValue(of: action)
        let terminated: Bool
        // After a step `state` is Gymnasium's float32 state, before the first its float64 one.
        if numStepsTaken > 0 {
            (state, terminated) = Self.advance(Float(state.position), Float(state.velocity), action: a)
        } else {
            (state, terminated) = Self.advance(state.position, state.velocity, action: a)
        }
        state.write(to: &currentObservation)

        // `reward = 0; if terminated: reward = 100.0; reward -= math.pow(action[0], 2) * 0.1`
        let reward = (terminated ? Self.goalReward : 0) - libmPower(Double(a), 2) * Self.actionCostWeight
        return finishStep(reward: reward, terminated: terminated)
    }

    /// Return and length so far; `success` is whether the car reached the flag.
    public func metrics() -> TaskMetrics {
        episodeMetrics(success: hasTerminated)
    }

    /// One step of Gymnasium's `step` from a state of precision `F` (`Double` for the
    /// float64 state, `Float` for the float32 one); returns the state rounded to float32
    /// as Gymnasium stores it, and whether the car reached the flag.
    ///
    /// numpy 2 keeps a float32 meeting a Python float in float32, converting the Python
    /// float first (`3 * x`, `force * power`, the comparisons with the limits), while
    /// Python's `min`/`max` return the limit itself, a Python float, when they clip.
    private static func advance<F: BinaryFloatingPoint>(_ x: F, _ v: F, action a: Float) -> (MountainCarState, Bool) {
        // `force = min(max(action[0], -1.0), 1.0)`: the Float action, or the limit as a Python float.
        let clippedForce: Double? = Float(minAction) > a ? minAction : (Float(maxAction) < a ? maxAction : nil)
        let gravityTerm = gravity * cos(Double(3 * x))
        // `force * self.power - 0.0025 * math.cos(3 * position)`: in float32 for a Float
        // force, in float64 for a clipped one.
        let dv = clippedForce.map { $0 * power - gravityTerm } ?? Double(a * Float(power) - Float(gravityTerm))
        var velocity = v + F(dv)
        if velocity > F(maxSpeed) { velocity = F(maxSpeed) }
        if velocity < F(-maxSpeed) { velocity = F(-maxSpeed) }
        var position = x + velocity
        if position > F(maxPosition) { position = F(maxPosition) }
        if position < F(minPosition) { position = F(minPosition) }
        if position == F(minPosition) && velocity < 0 { velocity = 0 }
        let terminated = position >= F(goalPosition) && velocity >= F(goalVelocity)
        let next = MountainCarState(position: Double(Float(position)), velocity: Double(Float(velocity)))
        return (next, terminated)
    }
}
