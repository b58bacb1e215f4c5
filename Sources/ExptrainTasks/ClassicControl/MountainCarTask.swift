#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom

/// The car's position and velocity, in `Double`; observations round them to `Float`.
/// Shared by `MountainCarTask` and `MountainCarContinuousTask`.
public struct MountainCarState: ClassicControlState, Sendable, Equatable {
    /// Position along the valley, in [-1.2, 0.6]; the bottom is at −π/6 ≈ −0.52.
    public var position: Double
    /// Velocity, in [-0.07, 0.07].
    public var velocity: Double

    public init(position: Double, velocity: Double) {
        self.position = position
        self.velocity = velocity
    }

    /// (position, velocity).
    public var components: [Double] { [position, velocity] }

    public init(components: [Double]) { self.init(position: components[0], velocity: components[1]) }

    /// Gymnasium's starting state: position uniform in [-0.6, -0.4), at rest.
    public static func random(using rng: inout RandomGenerator) -> MountainCarState {
        MountainCarState(position: rng.uniform(-0.6, -0.4), velocity: 0)
    }

    /// Writes (position, velocity) as `Float`s (Gymnasium's `np.array(state, dtype=np.float32)`).
    func write(to observation: inout Observation) {
        observation.floats[0] = Float(position)
        observation.floats[1] = Float(velocity)
    }

    /// Gymnasium's bounds for both mountain cars: position in [-1.2, 0.6], velocity in ±0.07.
    static let observationSpace = ObservationSpace(
        shape: [2], low: [Float(MountainCarTask.minPosition), Float(-MountainCarTask.maxSpeed)],
        high: [Float(MountainCarTask.maxPosition), Float(MountainCarTask.maxSpeed)])
}

/// One episode of MountainCar-v0 with Gymnasium's dynamics, goal and 200-step limit.
///
/// Action 0 accelerates left, 1 not at all, 2 right. With force 0.001 and gravity
/// 0.0025, one step computes
///
///     v ← clip(v + (action − 1)·0.001 − 0.0025·cos(3·x), −0.07, 0.07)
///     x ← clip(x + v, −1.2, 0.6)
///
/// and stops the car (v ← 0) when it is at the left wall x = −1.2 moving left. The
/// episode terminates when x ≥ 0.5 and v ≥ 0 (the goal flag); every step, that one
/// too, pays −1. It is truncated after 200 steps (Gymnasium's `TimeLimit`). The
/// observation is (x, v) as `Float`s.
///
/// Every operation follows Gymnasium's in the same order, in `Double`, so a trajectory
/// from the same state under the same actions matches Gymnasium's bit for bit.
///
/// ```swift
/// let task = MountainCarTask(initialState: MountainCarState(position: -0.5, velocity: 0))
/// let result = try task.step(action: .discrete(2))   // accelerate right
/// print(result.observation.floats, result.reward)
/// ```
public final class MountainCarTask: ClassicControlEpisode<MountainCarState>, ClassicControlTask {
    public static let minPosition = -1.2
    public static let maxPosition = 0.6
    public static let maxSpeed = 0.07
    /// The flag's position: reaching it (moving right or not at all) ends the episode.
    public static let goalPosition = 0.5
    public static let goalVelocity = 0.0
    public static let force = 0.001
    public static let gravity = 0.0025
    /// MountainCar-v0's `max_episode_steps`.
    public static let defaultMaxSteps = 200

    /// An episode starting from `initialState` (tests use this to start anywhere).
    public init(initialState: MountainCarState, maxSteps: Int = MountainCarTask.defaultMaxSteps) {
        super.init(
            initialState: initialState, actionSpace: .discrete(count: 3), observationSpace: MountainCarState.observationSpace,
            maxSteps: maxSteps, taskName: "MountainCar-v0")
        state.write(to: &currentObservation)
    }

    public func restart(from initialState: MountainCarState) {
        restartEpisode(from: initialState)
        state.write(to: &currentObservation)
    }

    public func step(action: Action) throws -> StepResult {
        try checkRunning()
        let push = try discreteIndex(of: action, count: 3) - 1
        typealias C = MountainCarTask
        var velocity = state.velocity + (Double(push) * C.force + cos(3 * state.position) * (-C.gravity))
        velocity = clip(velocity, -C.maxSpeed, C.maxSpeed)
        var position = state.position + velocity
        position = clip(position, C.minPosition, C.maxPosition)
        if position == C.minPosition && velocity < 0 { velocity = 0 }
        state = MountainCarState(position: position, velocity: velocity)
        state.write(to: &currentObservation)

        let terminated = position >= C.goalPosition && velocity >= C.goalVelocity
        return finishStep(reward: -1, terminated: terminated)
    }

    /// Return and length so far; `success` is whether the car reached the flag.
    public func metrics() -> TaskMetrics {
        episodeMetrics(success: hasTerminated)
    }
}
