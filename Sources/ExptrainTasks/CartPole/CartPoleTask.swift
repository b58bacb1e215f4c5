#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom

/// The physical state of the cart and pole, in `Double` as Gymnasium keeps it
/// (Python floats); observations round it to `Float`.
public struct CartPoleState: Sendable, Equatable {
    /// Cart position (m); the episode terminates beyond ±2.4.
    public var x: Double
    /// Cart velocity (m/s).
    public var xDot: Double
    /// Pole angle from upright (rad); the episode terminates beyond ±12°.
    public var theta: Double
    /// Pole angular velocity (rad/s).
    public var thetaDot: Double

    public init(x: Double, xDot: Double, theta: Double, thetaDot: Double) {
        self.x = x
        self.xDot = xDot
        self.theta = theta
        self.thetaDot = thetaDot
    }

    /// Gymnasium's starting state: each component uniform in [-0.05, 0.05).
    public static func random(using rng: inout RandomGenerator) -> CartPoleState {
        func component() -> Double { -0.05 + 0.1 * rng.nextUniformDouble() }
        // Drawn in the order of the components, like numpy's `uniform(size=(4,))`.
        let x = component(), xDot = component(), theta = component(), thetaDot = component()
        return CartPoleState(x: x, xDot: xDot, theta: theta, thetaDot: thetaDot)
    }
}

/// One episode of CartPole-v1 with Gymnasium's dynamics, termination and 500-step limit.
///
/// Action 0 pushes the cart left, action 1 right, with force F = ±10 N. With
/// g = 9.8, m_c = 1.0, m_p = 0.1, M = m_c + m_p, half pole length l = 0.5 and
/// τ = 0.02 s, one step computes (Florian's corrected Barto–Sutton–Anderson model)
///
///     temp = (F + m_p·l·θ̇²·sin θ) / M
///     θ̈    = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / M))
///     ẍ    = temp − m_p·l·θ̈·cos θ / M
///
/// and then integrates with explicit Euler, every update from the old values:
///
///     x ← x + τ·ẋ,   ẋ ← ẋ + τ·ẍ,   θ ← θ + τ·θ̇,   θ̇ ← θ̇ + τ·θ̈
///
/// The episode terminates when |x| > 2.4 or |θ| > 12·2π/360 (the reward of 1 is
/// still paid on that step) and is truncated after 500 steps (Gymnasium's
/// `TimeLimit`). The observation is (x, ẋ, θ, θ̇) as `Float`s.
///
/// ```swift
/// let task = CartPoleTask(initialState: CartPoleState(x: 0, xDot: 0, theta: 0.01, thetaDot: 0))
/// let result = task.step(action: 1)   // push right
/// print(result.observation, result.reward)
/// ```
public final class CartPoleTask: Task, ProgressSaving {
    public static let gravity = 9.8
    public static let massCart = 1.0
    public static let massPole = 0.1
    public static let totalMass = massPole + massCart
    /// Half the pole's length, as Gymnasium's `length`.
    public static let halfPoleLength = 0.5
    public static let poleMassLength = massPole * halfPoleLength
    public static let forceMagnitude = 10.0
    /// Seconds between state updates.
    public static let tau = 0.02
    /// |θ| beyond this (12°) ends the episode.
    public static let thetaThresholdRadians = 12 * 2 * Double.pi / 360
    /// |x| beyond this ends the episode.
    public static let xThreshold = 2.4
    /// CartPole-v1's `max_episode_steps`.
    public static let defaultMaxSteps = 500

    public let actionSpace = ActionSpace.discrete(count: 2)
    /// Gymnasium's bounds: twice the termination limits for x and θ, `Float.greatestFiniteMagnitude` for the velocities.
    /// One value for every episode's task, so a new episode does not build it again.
    public static let observationSpace: ObservationSpace = {
        let high: [Float] = [
            Float(CartPoleTask.xThreshold * 2), .greatestFiniteMagnitude,
            Float(CartPoleTask.thetaThresholdRadians * 2), .greatestFiniteMagnitude,
        ]
        return ObservationSpace(shape: [4], low: high.map { -$0 }, high: high)
    }()
    public var observationSpace: ObservationSpace { Self.observationSpace }
    public private(set) var currentObservation: Observation
    public private(set) var numStepsTaken = 0
    public let maxSteps: Int
    public private(set) var isDone = false
    /// The current physical state.
    public private(set) var state: CartPoleState
    private var episodeReturn = 0.0

    /// An episode starting from `initialState` (tests use this to start anywhere).
    public init(initialState: CartPoleState, maxSteps: Int = CartPoleTask.defaultMaxSteps) {
        precondition(maxSteps > 0, "maxSteps must be positive")
        state = initialState
        self.maxSteps = maxSteps
        currentObservation = Observation(floats: [Float](repeating: 0, count: 4))
        writeObservation()
    }

    /// An episode from Gymnasium's random starting state, drawn from `rng`.
    public convenience init(using rng: inout RandomGenerator, maxSteps: Int = CartPoleTask.defaultMaxSteps) {
        self.init(initialState: CartPoleState.random(using: &rng), maxSteps: maxSteps)
    }

    /// Starts this task's next episode from `initialState`, in the task's own storage:
    /// afterwards it is what `init(initialState:maxSteps:)` with its `maxSteps` makes.
    func restart(from initialState: CartPoleState) {
        state = initialState
        numStepsTaken = 0
        isDone = false
        episodeReturn = 0
        writeObservation()
    }

    public func step(action: Action) throws -> StepResult {
        guard !isDone else { throw TaskError("step(action:) called on a finished CartPole episode") }
        guard let action = action.index, action == 0 || action == 1 else {
            throw TaskError("CartPole actions are Discrete(2): 0 (left) and 1 (right), got \(action)")
        }
        typealias C = CartPoleTask
        let force = action == 1 ? C.forceMagnitude : -C.forceMagnitude
        let cosTheta = cos(state.theta)
        let sinTheta = sin(state.theta)
        // Same operations in the same order as Gymnasium (Python's `**` is libm's `pow`),
        // so results agree to the last bit.
        let temp = (force + C.poleMassLength * libmPower(state.thetaDot, 2) * sinTheta) / C.totalMass
        let thetaAcc = (C.gravity * sinTheta - cosTheta * temp)
            / (C.halfPoleLength * (4.0 / 3.0 - C.massPole * libmPower(cosTheta, 2) / C.totalMass))
        let xAcc = temp - C.poleMassLength * thetaAcc * cosTheta / C.totalMass

        state = CartPoleState(
            x: state.x + C.tau * state.xDot,
            xDot: state.xDot + C.tau * xAcc,
            theta: state.theta + C.tau * state.thetaDot,
            thetaDot: state.thetaDot + C.tau * thetaAcc
        )
        numStepsTaken += 1
        episodeReturn += 1
        writeObservation()

        let terminated = state.x < -C.xThreshold || state.x > C.xThreshold
            || state.theta < -C.thetaThresholdRadians || state.theta > C.thetaThresholdRadians
        let truncated = numStepsTaken >= maxSteps
        isDone = terminated || truncated
        return StepResult(observation: currentObservation, reward: 1, terminated: terminated, truncated: truncated)
    }

    /// Return and length so far; CartPole has no goal, so `success` is `nil`.
    public func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken)
    }

    /// The state (x, ẋ, θ, θ̇ as bit patterns), the step count, whether the episode is over, and the return.
    public var savedProgress: [UInt64] {
        [state.x, state.xDot, state.theta, state.thetaDot].map(\.bitPattern) + [UInt64(numStepsTaken), isDone ? 1 : 0, episodeReturn.bitPattern]
    }

    public func restoreProgress(_ words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved CartPole task")
        let restored = CartPoleState(x: try reader.double(), xDot: try reader.double(), theta: try reader.double(), thetaDot: try reader.double())
        let steps = try reader.count(below: maxSteps + 1)
        let done = try reader.flag()
        let episodeReturn = try reader.double()
        try reader.finish()
        state = restored
        numStepsTaken = steps
        isDone = done
        self.episodeReturn = episodeReturn
        writeObservation()
    }

    private func writeObservation() {
        currentObservation.floats[0] = Float(state.x)
        currentObservation.floats[1] = Float(state.xDot)
        currentObservation.floats[2] = Float(state.theta)
        currentObservation.floats[3] = Float(state.thetaDot)
    }
}
