import ExptrainTensor

/// A policy and value function evaluated together, the model an on-policy engine trains.
///
/// The engine runs it without gradients during rollouts and with gradients on
/// minibatches of whole sequences during updates:
///
/// ```swift
/// // rollout, one step of N environments, into buffers kept across steps
/// model.act(observations: obs, masks: masks, hidden: hidden, environments: N,
///           logits: logits, values: values, workspace: workspace)
/// Categorical.sample(normalizingInPlace: logits, actionCount: A, into: actions, using: &generator)
///
/// // update, T steps of the minibatch's environments
/// let output = model.forward(observations: o, masks: m, hidden: h0, steps: T, environments: n)
/// let policy = Categorical(logits: output.logits)
/// let ratio = (policy.logProbability(of: actions) - oldLogProbabilities).exp()
/// let policyLoss = -minimum(ratio * advantages, ratio.clamped(to: 0.8, 1.2) * advantages).mean()
/// let valueLoss = 0.5 * (output.values - returns).squared().mean()
/// let loss = policyLoss + 0.5 * valueLoss - 0.01 * policy.entropy().mean()
/// model.parameters.zeroGradients()
/// loss.backward()                                   // into model.parameters' gradient buffer
/// try model.parameters.withGradients { try communicator.allReduce($0, .sum) }   // the engine's one all-reduce
/// clipGlobalNorm(model.parameters, maxNorm: 0.5)
/// optimizer.step(parameters: model.parameters, learningRate: schedule.value(atStep: update))
/// ```
public protocol ActorCriticModel: AnyObject {
    /// Every parameter of the model, in one flat buffer (and gradients in another).
    var parameters: ParameterStore { get }
    /// Recurrent state size per environment; 0 for feed-forward models.
    var recurrentStateSize: Int { get }
    /// Number of discrete actions (size of the logits' last axis).
    var actionCount: Int { get }
    /// Runs the model over `steps` time steps of `environments` environments.
    /// - observations: `[steps·environments, observationSize]`, time-major (row `t·environments + e`)
    /// - masks: `[steps·environments]`, 0 where an episode started at that step (the
    ///   state is reset before it is used), else 1
    /// - hidden: `[environments, recurrentStateSize]`, the state before the first step
    ///   (`[environments, 0]` for feed-forward models)
    func forward(observations: Tensor, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput
    /// One step of `environments` environments without gradients, for rollouts: the numbers
    /// `forward(…, steps: 1, …)` computes, written into the caller's buffers.
    /// - observations: `[environments, observationSize]`
    /// - masks: `[environments]`, 0 where an episode starts (the state is reset first), else 1
    /// - hidden: `[environments, recurrentStateSize]`, the state before the step on entry
    ///   and after it on return
    /// - logits: `[environments, actionCount]`, written
    /// - values: `[environments]`, written
    /// - workspace: scratch memory the model may keep between calls
    ///
    /// The built-in models allocate nothing once `workspace` has served one step of the
    /// same size. The default implementation calls `forward` (and allocates its tensors),
    /// so a model that only writes `forward` still works.
    func act(
        observations: UnsafeBufferPointer<Float>, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, logits: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace)
}

extension ActorCriticModel {
    public func act(
        observations: UnsafeBufferPointer<Float>, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, logits: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        precondition(environments > 0 && observations.count % environments == 0, "\(observations.count) observation values for \(environments) environments")
        let output = withoutGradients {
            forward(
                observations: Tensor(shape: [environments, observations.count / environments], values: Array(observations)),
                masks: Tensor(shape: [environments], values: Array(masks)),
                hidden: Tensor(shape: [environments, recurrentStateSize], values: Array(hidden)),
                steps: 1, environments: environments)
        }
        precondition(output.logits.count == logits.count && output.values.count == values.count && output.hidden.count == hidden.count,
                     "act(…) buffers do not match forward's output shapes")
        output.logits.withUnsafeBufferPointer { _ = logits.update(fromContentsOf: $0) }
        output.values.withUnsafeBufferPointer { _ = values.update(fromContentsOf: $0) }
        output.hidden.withUnsafeBufferPointer { _ = hidden.update(fromContentsOf: $0) }
    }
}

/// What an `ActorCriticModel` computes over a rollout segment.
public struct ActorCriticOutput {
    /// Unnormalised action scores, `[steps·environments, actionCount]`.
    public var logits: Tensor
    /// State values, `[steps·environments]`.
    public var values: Tensor
    /// The recurrent state after the last step, `[environments, recurrentStateSize]`.
    public var hidden: Tensor

    /// The output of one forward pass.
    public init(logits: Tensor, values: Tensor, hidden: Tensor) {
        self.logits = logits
        self.values = values
        self.hidden = hidden
    }
}
