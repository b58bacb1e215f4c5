/// How the learning rate changes over a run, as a function of the global environment
/// step: one conformance per schedule (`.constant`, `.linear()`), so a user's package can
/// add its own.
///
/// ```swift
/// let schedule: any LearningRateSchedule = .linear(endFactor: 0)
/// schedule.learningRate(atStep: 500, initial: 2.5e-4, totalSteps: 1_000)   // 1.25e-4
/// ```
public protocol LearningRateSchedule: Sendable, Encodable, CustomStringConvertible {
    /// The rate at global step `step` of a run of `totalSteps` that starts at `initial`.
    func learningRate(atStep step: Int, initial: Float, totalSteps: Int) -> Float
    /// What is wrong with the schedule's settings, in one line, or `nil`.
    var problem: String? { get }
}

extension LearningRateSchedule {
    public var problem: String? { nil }
}

/// The learning rate stays as set.
public struct ConstantLearningRate: LearningRateSchedule {
    public init() {}
    public func learningRate(atStep step: Int, initial: Float, totalSteps: Int) -> Float { initial }
    public var description: String { "constant" }
}

/// From the initial rate at step 0 linearly to `endFactor` × that rate at the run's last
/// step, then constant (CleanRL's annealing is `endFactor: 0`).
public struct LinearLearningRateDecay: LearningRateSchedule {
    public var endFactor: Float

    public init(endFactor: Float = 0) {
        self.endFactor = endFactor
    }

    public func learningRate(atStep step: Int, initial: Float, totalSteps: Int) -> Float {
        let end = initial * endFactor
        guard totalSteps > 0 else { return end }
        let progress = Float(min(max(step, 0), totalSteps)) / Float(totalSteps)
        return initial + (end - initial) * progress
    }

    public var problem: String? {
        (0...1).contains(endFactor) ? nil : "learningRateDecay's endFactor must be in [0, 1], got \(endFactor)"
    }

    public var description: String { "linear(endFactor: \(endFactor))" }
}

extension LearningRateSchedule where Self == ConstantLearningRate {
    /// The learning rate stays as set.
    public static var constant: ConstantLearningRate { ConstantLearningRate() }
}

extension LearningRateSchedule where Self == LinearLearningRateDecay {
    /// Linear decay to `endFactor` × the initial rate at the run's last step.
    public static func linear(endFactor: Float = 0) -> LinearLearningRateDecay { LinearLearningRateDecay(endFactor: endFactor) }
}
