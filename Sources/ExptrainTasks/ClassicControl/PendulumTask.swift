#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom

/// The pendulum's angle and angular velocity, in `Double` as Gymnasium keeps them (a
/// float64 array); observations round them to `Float`.
public struct PendulumState: ClassicControlState, Sendable, Equatable {
    /// Angle from upright (rad); not wrapped, so it may leave [-π, π).
    public var theta: Double
    /// Angular velocity (rad/s), clipped to ±8.
    public var thetaDot: Double

    public init(theta: Double, thetaDot: Double) {
        self.theta = theta
        self.thetaDot = thetaDot
    }

    /// (θ, θ̇).
    public var components: [Double] { [theta, thetaDot] }

    public init(components: [Double]) { self.init(theta: components[0], thetaDot: components[1]) }

    /// Gymnasium's starting state: θ uniform in [-π, π), θ̇ uniform in [-1, 1).
    public static func random(using rng: inout RandomGenerator) -> PendulumState {
        // Drawn in the order of the components, like numpy's `uniform(low=-high, high=high)`.
        let theta = rng.uniform(-Double.pi, Double.pi)
        let thetaDot = rng.uniform(-1.0, 1.0)
        return PendulumState(theta: theta, thetaDot: thetaDot)
    }
}

/// One episode of Pendulum-v1 with Gymnasium's dynamics, cost and 200-step limit.
///
/// The action is one torque u in a `Box` [-2, 2], clipped to it by the task (as
/// Gymnasium does, whatever it is given). With gravity g (10 by default), m = 1,
/// l = 1 and dt = 0.05, one step computes
///
///     cost = normalize(θ)² + 0.1·θ̇² + 0.001·u²        normalize(θ) = ((θ + π) mod 2π) − π
///     θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, −8, 8)
///     θ ← θ + θ̇·dt
///
/// and pays −cost. The episode never terminates; it is truncated after 200 steps
/// (Gymnasium's `TimeLimit`). The observation is (cos θ, sin θ, θ̇) as `Float`s.
///
/// The torque stays a `Float` as Gymnasium's float32 action does: under numpy 2's
/// promotion rules u², 0.001·u² and 3/(m·l²)·u are float32 products, added to the
/// float64 terms. Every operation follows Gymnasium's in that order and precision, so a
/// trajectory from the same state under the same actions matches Gymnasium's bit for bit.
///
/// ```swift
/// let task = PendulumTask(initialState: PendulumState(theta: .pi, thetaDot: 0))
/// let result = try task.step(action: .continuous([1.5]))
/// print(result.observation.floats, result.reward)
/// ```
public final class PendulumTask: ClassicControlEpisode<PendulumState>, ClassicControlTask {
    public static let maxSpeed = 8.0
    public static let maxTorque = 2.0
    public static let dt = 0.05
    /// Gymnasium's default `g`.
    public static let defaultGravity = 10.0
    public static let mass = 1.0
    public static let length = 1.0
    /// Weight of θ̇² in the cost.
    public static let velocityCostWeight = 0.1
    /// Weight of u² in the cost.
    public static let torqueCostWeight = 0.001
    /// Pendulum-v1's `max_episode_steps`.
    public static let defaultMaxSteps = 200

    /// Gravity (Gymnasium's `g`).
    public let gravity: Double

    /// An episode starting from `initialState` under gravity `gravity` (tests use this to start anywhere).
    public init(initialState: PendulumState, gravity: Double, maxSteps: Int = PendulumTask.defaultMaxSteps) {
        self.gravity = gravity
        let torques = Box(shape: [1], low: Float(-Self.maxTorque), high: Float(Self.maxTorque))
        // Gymnasium's bounds: ±1 for the cosine and sine, ±8 for the velocity.
        let observations = ObservationSpace(shape: [3], low: [-1, -1, -Float(Self.maxSpeed)], high: [1, 1, Float(Self.maxSpeed)])
        super.init(
            initialState: initialState, actionSpace: .box(torques), observationSpace: observations, maxSteps: maxSteps,
            taskName: "Pendulum-v1")
        writeObservation()
    }

    /// An episode starting from `initialState` under Gymnasium's default gravity.
    public convenience init(initialState: PendulumState, maxSteps: Int = PendulumTask.defaultMaxSteps) {
        self.init(initialState: initialState, gravity: PendulumTask.defaultGravity, maxSteps: maxSteps)
    }

    /// An episode from Gymnasium's random starting state, drawn from `rng`, under gravity `gravity`.
    public convenience init(using rng: inout RandomGenerator, gravity: Double, maxSteps: Int = PendulumTask.defaultMaxSteps) {
        self.init(initialState: PendulumState.random(using: &rng), gravity: gravity, maxSteps: maxSteps)
    }

    public func restart(from initialState: PendulumState) {
        restartEpisode(from: initialState)
        writeObservation()
    }

    public func step(action: Action) throws -> StepResult {
        try checkRunning()
        typealias C = PendulumTask
        let g = gravity, m = C.mass, l = C.length, dt = C.dt
        let th = state.theta, thdot = state.thetaDot
        // `np.clip(u, -2.0, 2.0)[0]` on the float32 action.
        let u = clip(try continuousValue(of: action), Float(-C.maxTorque), Float(C.maxTorque))
        let costs = libmPower(Self.angleNormalize(th), 2) + C.velocityCostWeight * libmPower(thdot, 2)
            + Double(Float(C.torqueCostWeight) * powf(u, 2))

        let angularAcceleration = 3 * g / (2 * l) * sin(th) + Double(Float(3.0 / (m * libmPower(l, 2))) * u)
        let newThDot = clip(thdot + angularAcceleration * dt, -C.maxSpeed, C.maxSpeed)
        let newTh = th + newThDot * dt
        state = PendulumState(theta: newTh, thetaDot: newThDot)
        writeObservation()

        return finishStep(reward: -costs, terminated: false)
    }

    /// Return and length so far; Pendulum has no goal, so `success` is `nil`.
    public func metrics() -> TaskMetrics {
        episodeMetrics(success: nil)
    }

    /// Gymnasium's `angle_normalize`: `((x + π) % (2π)) − π`, with Python's `%` (the
    /// remainder takes the divisor's sign).
    static func angleNormalize(_ x: Double) -> Double {
        let turn = 2 * Double.pi
        var remainder = fmod(x + Double.pi, turn)
        if remainder != 0 {
            if (turn < 0) != (remainder < 0) { remainder += turn }
        } else {
            remainder = copysign(0, turn)
        }
        return remainder - Double.pi
    }

    private func writeObservation() {
        currentObservation.floats[0] = Float(cos(state.theta))
        currentObservation.floats[1] = Float(sin(state.theta))
        currentObservation.floats[2] = Float(state.thetaDot)
    }
}
