/// A learning rate as a function of the step count (updates or environment steps,
/// whichever the caller counts).
///
/// ```swift
/// let schedule = LearningRateSchedule.linearDecay(from: 2.5e-4, to: 0, over: 1_000)
/// schedule.value(atStep: 500)   // 1.25e-4
/// ```
public enum LearningRateSchedule: Sendable, Equatable {
    /// The same rate at every step.
    case constant(Float)
    /// From `from` at step 0 linearly to `to` at step `steps`, then `to` (CleanRL's annealing).
    case linearDecay(from: Float, to: Float, over: Int)

    /// The rate at `step`.
    public func value(atStep step: Int) -> Float {
        switch self {
        case .constant(let rate):
            return rate
        case .linearDecay(let start, let end, let steps):
            guard steps > 0 else { return end }
            let progress = Float(min(max(step, 0), steps)) / Float(steps)
            return start + (end - start) * progress
        }
    }
}
