#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom

/// The two joint angles and their velocities of the acrobot, in `Double` as Gymnasium
/// keeps them (a float64 array); observations round them to `Float`.
public struct AcrobotState: ClassicControlState, Sendable, Equatable {
    /// (θ1, θ2, θ̇1, θ̇2), Gymnasium's `state` array: θ1 is the first link's angle from
    /// hanging straight down and θ2 the second's relative to the first (rad, wrapped to
    /// [-π, π]); θ̇1 and θ̇2 are bounded to ±4π and ±9π rad/s.
    public var vector: SIMD4<Double>

    public var theta1: Double { get { vector[0] } set { vector[0] = newValue } }
    public var theta2: Double { get { vector[1] } set { vector[1] = newValue } }
    public var theta1Dot: Double { get { vector[2] } set { vector[2] = newValue } }
    public var theta2Dot: Double { get { vector[3] } set { vector[3] = newValue } }

    public init(vector: SIMD4<Double>) { self.vector = vector }

    /// (θ1, θ2, θ̇1, θ̇2).
    public var components: [Double] { [vector[0], vector[1], vector[2], vector[3]] }

    public init(components: [Double]) { vector = SIMD4(components) }

    public init(theta1: Double, theta2: Double, theta1Dot: Double, theta2Dot: Double) {
        vector = SIMD4(theta1, theta2, theta1Dot, theta2Dot)
    }

    /// Gymnasium's starting state: each component uniform in [-0.1, 0.1), rounded to
    /// `Float` as Gymnasium's `.astype(np.float32)` does (so it lies in [-0.1, 0.1] as Floats).
    public static func random(using rng: inout RandomGenerator) -> AcrobotState {
        // Drawn in the order of the components, like numpy's `uniform(size=(4,))`.
        AcrobotState(vector: SIMD4((0..<4).map { _ in Double(Float(rng.uniform(-0.1, 0.1))) }))
    }
}

/// One episode of Acrobot-v1 with Gymnasium's "book" dynamics, RK4 integration,
/// termination and 500-step limit.
///
/// Actions 0, 1 and 2 apply a torque a of -1, 0 and +1 N·m at the joint between the
/// links. With m1 = m2 = 1 kg, l1 = 1 m, centres of mass lc1 = lc2 = 0.5 m, moments of
/// inertia I1 = I2 = 1 and g = 9.8, the state (θ1, θ2, θ̇1, θ̇2) moves by (Sutton and
/// Barto's book)
///
///     d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2
///     d2 = m2·(lc2² + l1·lc2·cos θ2) + I2
///     φ2 = m2·lc2·g·cos(θ1 + θ2 − π/2)
///     φ1 = −m2·l1·lc2·θ̇2²·sin θ2 − 2·m2·l1·lc2·θ̇2·θ̇1·sin θ2 + (m1·lc1 + m2·l1)·g·cos(θ1 − π/2) + φ2
///     θ̈2 = (a + d2/d1·φ1 − m2·l1·lc2·θ̇1²·sin θ2 − φ2) / (m2·lc2² + I2 − d2²/d1)
///     θ̈1 = −(d2·θ̈2 + φ1) / d1
///
/// integrated over dt = 0.2 s by one classic Runge–Kutta step (k1…k4, then
/// y + dt/6·(k1 + 2·k2 + 2·k3 + k4)). The angles are then wrapped to [-π, π] and
/// the velocities bounded to ±4π and ±9π. The episode terminates when the free end
/// rises above the bar, −cos θ1 − cos(θ1 + θ2) > 1, with reward 0 on that step and −1
/// on every other, and is truncated after 500 steps (Gymnasium's `TimeLimit`). The
/// observation is (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2) as `Float`s.
///
/// Every operation follows Gymnasium's in the same order, in `Double`, so a trajectory
/// from the same state under the same actions matches Gymnasium's bit for bit.
///
/// ```swift
/// let task = AcrobotTask(initialState: AcrobotState(theta1: 0.1, theta2: -0.2, theta1Dot: 0, theta2Dot: 0))
/// let result = try task.step(action: .discrete(2))   // torque +1
/// print(result.observation.floats, result.reward)
/// ```
public final class AcrobotTask: ClassicControlEpisode<AcrobotState>, ClassicControlTask {
    public static let dt = 0.2
    public static let linkLength1 = 1.0
    public static let linkLength2 = 1.0
    public static let linkMass1 = 1.0
    public static let linkMass2 = 1.0
    /// Position of the centre of mass of link 1 along it.
    public static let linkCenterOfMass1 = 0.5
    /// Position of the centre of mass of link 2 along it.
    public static let linkCenterOfMass2 = 0.5
    /// Moment of inertia of each link.
    public static let linkMomentOfInertia = 1.0
    public static let gravity = 9.8
    /// |θ̇1| is bounded to this.
    public static let maxVelocity1 = 4 * Double.pi
    /// |θ̇2| is bounded to this.
    public static let maxVelocity2 = 9 * Double.pi
    /// The torque of each action (Gymnasium's `AVAIL_TORQUE`).
    public static let availableTorque: [Double] = [-1.0, 0.0, 1.0]
    /// Acrobot-v1's `max_episode_steps`.
    public static let defaultMaxSteps = 500

    /// Gymnasium's bounds: ±1 for the cosines and sines, ±4π and ±9π for the velocities.
    private static let observationBounds: ObservationSpace = {
        let high: [Float] = [1, 1, 1, 1, Float(AcrobotTask.maxVelocity1), Float(AcrobotTask.maxVelocity2)]
        return ObservationSpace(shape: [6], low: high.map { -$0 }, high: high)
    }()

    /// An episode starting from `initialState` (tests use this to start anywhere).
    public init(initialState: AcrobotState, maxSteps: Int = AcrobotTask.defaultMaxSteps) {
        super.init(
            initialState: initialState, actionSpace: .discrete(count: 3), observationSpace: Self.observationBounds,
            maxSteps: maxSteps, taskName: "Acrobot-v1")
        writeObservation()
    }

    public func restart(from initialState: AcrobotState) {
        restartEpisode(from: initialState)
        writeObservation()
    }

    public func step(action: Action) throws -> StepResult {
        try checkRunning()
        let torque = Self.availableTorque[try discreteIndex(of: action, count: 3)]
        var next = AcrobotState(vector: Self.rungeKutta4(state.vector, torque: torque, dt: Self.dt))
        next.theta1 = Self.wrap(next.theta1, -Double.pi, Double.pi)
        next.theta2 = Self.wrap(next.theta2, -Double.pi, Double.pi)
        next.theta1Dot = Self.bound(next.theta1Dot, -Self.maxVelocity1, Self.maxVelocity1)
        next.theta2Dot = Self.bound(next.theta2Dot, -Self.maxVelocity2, Self.maxVelocity2)
        state = next
        writeObservation()

        let terminated = -cos(state.theta1) - cos(state.theta2 + state.theta1) > 1.0
        return finishStep(reward: terminated ? 0.0 : -1.0, terminated: terminated)
    }

    /// Return and length so far; `success` is whether the free end reached the bar (terminated).
    public func metrics() -> TaskMetrics {
        episodeMetrics(success: hasTerminated)
    }

    private func writeObservation() {
        currentObservation.floats[0] = Float(cos(state.theta1))
        currentObservation.floats[1] = Float(sin(state.theta1))
        currentObservation.floats[2] = Float(cos(state.theta2))
        currentObservation.floats[3] = Float(sin(state.theta2))
        currentObservation.floats[4] = Float(state.theta1Dot)
        currentObservation.floats[5] = Float(state.theta2Dot)
    }

    /// Gymnasium's `rk4(derivs, y0, [0, dt])`: one Runge–Kutta step. The torque, the fifth
    /// component there, has derivative 0, so it stays `torque` in every stage.
    static func rungeKutta4(_ y0: SIMD4<Double>, torque: Double, dt: Double) -> SIMD4<Double> {
        let dt2 = dt / 2.0
        let k1 = derivatives(y0, torque: torque)
        let k2 = derivatives(y0 + dt2 * k1, torque: torque)
        let k3 = derivatives(y0 + dt2 * k2, torque: torque)
        let k4 = derivatives(y0 + dt * k3, torque: torque)
        return y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    }

    /// Gymnasium's `_dsdt` with `book_or_nips = "book"`, term by term in its order (`**` is `pow`,
    /// as numpy's float64 power is).
    static func derivatives(_ s: SIMD4<Double>, torque a: Double) -> SIMD4<Double> {
        let m1 = linkMass1, m2 = linkMass2, l1 = linkLength1
        let lc1 = linkCenterOfMass1, lc2 = linkCenterOfMass2
        let I1 = linkMomentOfInertia, I2 = linkMomentOfInertia
        let g = gravity
        let theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3]

        let d1 = m1 * libmPower(lc1, 2) + m2 * (libmPower(l1, 2) + libmPower(lc2, 2) + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
        let d2 = m2 * (libmPower(lc2, 2) + l1 * lc2 * cos(theta2)) + I2
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
        let phi1Coriolis = -m2 * l1 * lc2 * libmPower(dtheta2, 2) * sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
        let phi1 = phi1Coriolis + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2) + phi2
        let numerator = a + d2 / d1 * phi1 - m2 * l1 * lc2 * libmPower(dtheta1, 2) * sin(theta2) - phi2
        let ddtheta2 = numerator / (m2 * libmPower(lc2, 2) + I2 - libmPower(d2, 2) / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return SIMD4(dtheta1, dtheta2, ddtheta1, ddtheta2)
    }

    /// Gymnasium's `wrap`: moves `x` into [m, M] by whole turns of M − m.
    static func wrap(_ x: Double, _ m: Double, _ M: Double) -> Double {
        let diff = M - m
        var x = x
        while x > M { x = x - diff }
        while x < m { x = x + diff }
        return x
    }

    /// Gymnasium's `bound`: Python's `min(max(x, m), M)`.
    static func bound(_ x: Double, _ m: Double, _ M: Double) -> Double {
        let atLeast = m > x ? m : x
        return M < atLeast ? M : atLeast
    }
}
