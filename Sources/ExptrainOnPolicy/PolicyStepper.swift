import ExptrainEnvironment
import ExptrainNN
import ExptrainRandom

/// Runs a policy one step at a time over a batch of environments: the model's recurrent
/// state, the distribution parameters and values it writes, and the actions drawn from
/// them, all in buffers made once. Training rollouts, evaluation and `exptrain rollout`
/// all step their policy through it.
///
/// ```swift
/// let stepper = PolicyStepper(model: model, environments: 8)
/// stepper.act(rows, masks: masks)            // advances the recurrent state
/// stepper.sampleActions(using: &generator)   // stepper.actions, stepper.logProbabilities
/// ```
///
/// Nothing here allocates once the model's workspace has served one step.
public final class PolicyStepper {
    public let model: any ActorCriticModel
    public let head: any DistributionHead
    public let environments: Int
    /// Each environment's recurrent state, `[environments, recurrentStateSize]`. Raw memory
    /// rather than an array: `act` writes it every step, and an empty array (a feed-forward
    /// model's state) would be copied on each write.
    public let hidden: UnsafeMutableBufferPointer<Float>
    // The step's outputs, in raw memory made once: written every step, and read through
    // `let` buffers without the exclusivity checks of arrays in a class.
    /// The last step's distribution parameters, `[environments, head.parameterCount]`
    /// (prepared in place by `sampleActions`).
    public let parameters: UnsafeMutableBufferPointer<Float>
    /// The last step's values, `[environments]`.
    public let values: UnsafeMutableBufferPointer<Float>
    /// The last drawn actions, `[environments, head.actionDimensions]`.
    public let actions: UnsafeMutableBufferPointer<Float>
    /// The drawn actions' log-probabilities, `[environments]`.
    public let logProbabilities: UnsafeMutableBufferPointer<Float>
    /// A copy of `hidden` for values that must not advance it.
    private let scratchHidden: UnsafeMutableBufferPointer<Float>
    private let workspace = InferenceWorkspace()
    // The inputs and outputs of `values(of:environments:)`, sized for every environment at once.
    private let finalStates: UnsafeMutableBufferPointer<Float>
    private let finalMasks: UnsafeMutableBufferPointer<Float>
    private let finalParameters: UnsafeMutableBufferPointer<Float>
    private let finalValues: UnsafeMutableBufferPointer<Float>
    private var finalFloats: [Float] = []
    private var finalBytes: [UInt8] = []

    /// With `observationSpace`, the buffers of `values(of:environments:)` are made here for
    /// every environment at once; without it they grow the first times episodes are cut.
    public init(model: any ActorCriticModel, environments: Int, observationSpace: ObservationSpace? = nil) {
        self.model = model
        head = model.distributionHead
        self.environments = environments
        func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            buffer.initialize(repeating: 0)
            return buffer
        }
        hidden = zeros(environments * model.recurrentStateSize)
        scratchHidden = zeros(environments * model.recurrentStateSize)
        parameters = zeros(environments * head.parameterCount)
        values = zeros(environments)
        actions = zeros(environments * head.actionDimensions)
        logProbabilities = zeros(environments)
        finalStates = zeros(environments * model.recurrentStateSize)
        finalMasks = zeros(environments)
        finalMasks.update(repeating: 1)
        finalParameters = zeros(environments * head.parameterCount)
        finalValues = zeros(environments)
        if let observationSpace {
            finalFloats.reserveCapacity(environments * observationSpace.floatCount)
            finalBytes.reserveCapacity(environments * observationSpace.byteCount)
        }
    }

    deinit {
        for buffer in [hidden, scratchHidden, parameters, values, actions, logProbabilities, finalStates, finalMasks, finalParameters, finalValues] {
            buffer.deallocate()
        }
    }

    /// Runs the model on one step of every environment (`masks` 0 where an episode starts),
    /// advancing the recurrent state; fills `parameters` and `values`.
    public func act(_ observations: ObservationRows, masks: UnsafeBufferPointer<Float>) {
        run(observations, masks: masks, state: hidden)
    }

    /// The values of `observations` from the current state, without advancing it (the
    /// value of the state a rollout ends in); fills `values` and overwrites `parameters`.
    public func peekValues(_ observations: ObservationRows, masks: UnsafeBufferPointer<Float>) {
        _ = scratchHidden.update(fromContentsOf: hidden)
        run(observations, masks: masks, state: scratchHidden)
    }

    private func run(_ observations: ObservationRows, masks: UnsafeBufferPointer<Float>, state: UnsafeMutableBufferPointer<Float>) {
        model.act(
            observations: observations, masks: masks, hidden: state, environments: environments,
            distributionParameters: parameters, values: values, workspace: workspace)
    }

    /// Draws one action per environment from the last step's distributions.
    public func sampleActions(using generator: inout RandomGenerator) {
        head.sample(preparing: parameters, into: actions, logProbabilities: logProbabilities, using: &generator)
    }

    /// Takes each distribution's most probable action (deterministic evaluation).
    public func chooseModes() {
        head.mode(of: UnsafeBufferPointer(parameters), into: actions)
    }

    /// `log π(action)` in environment `e` under the distribution `sampleActions` drew from;
    /// `action` is in stored form.
    public func logProbability(of action: UnsafePointer<Float>, environment e: Int) -> Float {
        head.logProbability(prepared: parameters.baseAddress! + e * head.parameterCount, of: action)
    }

    /// The stored form of environment `e`'s drawn action.
    public func action(of e: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: actions[(e * head.actionDimensions)..<((e + 1) * head.actionDimensions)])
    }

    /// The values of `observations`, one row per environment in `rows` (each environment
    /// at most once), each from that environment's current state (masks 1): the value of a
    /// truncated episode's final observation. `prepareFloats` sees each row's Float32 part
    /// first, in the stepper's copy (the collector normalises it there). The result is valid
    /// until the next call; it and the rows' inputs live in buffers made once, so this
    /// allocates nothing once the observations' arrays have grown.
    public func values(
        of observations: [Observation], environments rows: [Int], prepareFloats: (UnsafeMutableBufferPointer<Float>) -> Void = { _ in }
    ) -> UnsafeBufferPointer<Float> {
        let stateSize = model.recurrentStateSize
        let count = rows.count
        precondition(count <= environments, "\(count) final observations for \(environments) environments")
        for (row, e) in rows.enumerated() {
            for j in 0..<stateSize { finalStates[row * stateSize + j] = hidden[e * stateSize + j] }
        }
        finalFloats.removeAll(keepingCapacity: true)
        finalBytes.removeAll(keepingCapacity: true)
        for observation in observations {
            finalFloats.append(contentsOf: observation.floats)
            finalBytes.append(contentsOf: observation.bytes)
        }
        finalFloats.withUnsafeMutableBufferPointer { floats in
            var start = 0
            for observation in observations {
                prepareFloats(UnsafeMutableBufferPointer(rebasing: floats[start..<(start + observation.floats.count)]))
                start += observation.floats.count
            }
        }
        let finalValues = UnsafeMutableBufferPointer(rebasing: self.finalValues[..<count])
        finalFloats.withUnsafeBufferPointer { floats in
            finalBytes.withUnsafeBufferPointer { bytes in
                model.act(
                    observations: ObservationRows(floats: floats, bytes: bytes, rows: count),
                    masks: UnsafeBufferPointer(rebasing: finalMasks[..<count]),
                    hidden: UnsafeMutableBufferPointer(rebasing: finalStates[..<(count * stateSize)]), environments: count,
                    distributionParameters: UnsafeMutableBufferPointer(rebasing: finalParameters[..<(count * head.parameterCount)]),
                    values: finalValues, workspace: workspace)
            }
        }
        return UnsafeBufferPointer(finalValues)
    }

    /// Sets every environment's recurrent state to zero.
    public func resetState() {
        hidden.update(repeating: 0)
    }
}
