import ExptrainEnvironment

/// One rollout of up to `steps` steps of `environments` environments on one rank, in flat
/// time-major buffers allocated once per stage (element `t·environments + e`), sized by
/// the spaces: `observationFloats` holds `floatCount` floats per step and environment,
/// `observationBytes` the UInt8 parts as bytes, `actions` `actionDimensions` floats
/// (CleanRL's `(steps, envs) + shape` buffers).
///
/// A rollout cut short by straggler preemption fills only `collectedSteps` steps. The
/// observations and `masks` have one extra step: index `collectedSteps` holds the state
/// the next rollout starts from. `masks[t·N+e]` is 0 when an episode started at step `t`
/// (so a recurrent model resets its state there), else 1.
///
/// ```swift
/// let storage = RolloutStorage(steps: 128, environments: 4, observationSpace: task.observationSpace,
///                              actionDimensions: 1, recurrentStateSize: 0)
/// ```
public final class RolloutStorage {
    /// The rollout length asked for (`numSteps`).
    public let steps: Int
    /// The steps this rollout really holds (`steps`, or fewer when cut short).
    public var collectedSteps: Int
    public let environments: Int
    /// Floats and bytes of one observation.
    public let floatCount: Int
    public let byteCount: Int
    /// Floats of one stored action.
    public let actionDimensions: Int
    public let recurrentStateSize: Int

    // Raw memory, allocated once and zeroed: the buffers never change size, and, unlike
    // arrays in a class, writing an element through a `let` buffer costs no exclusivity check.
    public let observationFloats: UnsafeMutableBufferPointer<Float>
    public let observationBytes: UnsafeMutableBufferPointer<UInt8>
    public let masks: UnsafeMutableBufferPointer<Float>
    public let actions: UnsafeMutableBufferPointer<Float>
    /// The expert's action at each step, where an imitation stage recorded it.
    public let expertActions: UnsafeMutableBufferPointer<Float>
    public let logProbabilities: UnsafeMutableBufferPointer<Float>
    public let values: UnsafeMutableBufferPointer<Float>
    public let rewards: UnsafeMutableBufferPointer<Float>
    public let episodeEnded: UnsafeMutableBufferPointer<Float>
    public let bootstrapValues: UnsafeMutableBufferPointer<Float>
    public let advantages: UnsafeMutableBufferPointer<Float>
    public let returns: UnsafeMutableBufferPointer<Float>
    /// Each environment's recurrent state before step 0, `[environments, recurrentStateSize]`.
    public let initialHidden: UnsafeMutableBufferPointer<Float>

    public init(steps: Int, environments: Int, observationSpace: ObservationSpace, actionDimensions: Int, recurrentStateSize: Int) {
        self.steps = steps
        collectedSteps = steps
        self.environments = environments
        floatCount = observationSpace.floatCount
        byteCount = observationSpace.byteCount
        self.actionDimensions = actionDimensions
        self.recurrentStateSize = recurrentStateSize
        let count = steps * environments
        func zeros<Element: Numeric>(_ count: Int) -> UnsafeMutableBufferPointer<Element> {
            let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: count)
            buffer.initialize(repeating: 0)
            return buffer
        }
        observationFloats = zeros((steps + 1) * environments * floatCount)
        observationBytes = zeros((steps + 1) * environments * byteCount)
        masks = zeros((steps + 1) * environments)
        actions = zeros(count * actionDimensions)
        expertActions = zeros(count * actionDimensions)
        logProbabilities = zeros(count)
        values = zeros(count)
        rewards = zeros(count)
        episodeEnded = zeros(count)
        bootstrapValues = zeros(environments)
        advantages = zeros(count)
        returns = zeros(count)
        initialHidden = zeros(environments * recurrentStateSize)
    }

    deinit {
        for buffer in [observationFloats, masks, actions, expertActions, logProbabilities, values, rewards, episodeEnded,
                       bootstrapValues, advantages, returns, initialHidden] {
            buffer.deallocate()
        }
        observationBytes.deallocate()
    }

    /// Moves the last step's observations and masks to step 0, for the next rollout.
    public func carryOverLastStep() {
        Self.moveStep(collectedSteps, toFirstOf: observationFloats, stride: environments * floatCount)
        Self.moveStep(collectedSteps, toFirstOf: observationBytes, stride: environments * byteCount)
        Self.moveStep(collectedSteps, toFirstOf: masks, stride: environments)
    }

    private static func moveStep<Element>(_ step: Int, toFirstOf buffer: UnsafeMutableBufferPointer<Element>, stride: Int) {
        guard stride > 0 else { return }
        buffer.baseAddress!.update(from: buffer.baseAddress! + step * stride, count: stride)
    }

    /// The observations of step `step` (all environments) where they lie.
    public func observations(atStep step: Int) -> (floats: UnsafeBufferPointer<Float>, bytes: UnsafeBufferPointer<UInt8>) {
        let n = environments
        return (UnsafeBufferPointer(rebasing: observationFloats[(step * n * floatCount)..<((step + 1) * n * floatCount)]),
                UnsafeBufferPointer(rebasing: observationBytes[(step * n * byteCount)..<((step + 1) * n * byteCount)]))
    }

    /// The observation slots of environment `e` at step `step`, to write them.
    public func observationSlot(step: Int, environment e: Int) -> (floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>) {
        let row = step * environments + e
        return (UnsafeMutableBufferPointer(rebasing: observationFloats[(row * floatCount)..<((row + 1) * floatCount)]),
                UnsafeMutableBufferPointer(rebasing: observationBytes[(row * byteCount)..<((row + 1) * byteCount)]))
    }

    /// The masks of step `step`, one per environment.
    public func masks(atStep step: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: masks[(step * environments)..<((step + 1) * environments)])
    }

    /// Computes advantages and returns of the collected steps with GAE(γ, λ), or
    /// discounted returns.
    public func computeAdvantages(gamma: Float, lambda: Float, useGAE: Bool) {
        let count = collectedSteps * environments
        let r = UnsafeBufferPointer(rebasing: rewards[..<count])
        let v = UnsafeBufferPointer(rebasing: values[..<count])
        let d = UnsafeBufferPointer(rebasing: episodeEnded[..<count])
        let a = UnsafeMutableBufferPointer(rebasing: advantages[..<count])
        let ret = UnsafeMutableBufferPointer(rebasing: returns[..<count])
        if useGAE {
            AdvantageEstimator.generalized(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: UnsafeBufferPointer(bootstrapValues), steps: collectedSteps,
                environments: environments, gamma: gamma, lambda: lambda, advantages: a, returns: ret)
        } else {
            AdvantageEstimator.discounted(
                rewards: r, values: v, episodeEnded: d, bootstrapValues: UnsafeBufferPointer(bootstrapValues), steps: collectedSteps,
                environments: environments, gamma: gamma, advantages: a, returns: ret)
        }
    }
}
