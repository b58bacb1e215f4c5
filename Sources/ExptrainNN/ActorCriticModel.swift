import ExptrainTensor

/// A policy and value function evaluated together, the model an on-policy engine trains.
///
/// The engine runs it without gradients during rollouts (`act`) and with gradients on
/// minibatches (`forward`). The model declares its `distributionHead` (the family of its
/// policy: categorical, multi-categorical, Gaussian, …), so the engine sizes its buffers
/// and samples actions without knowing what kind of actions they are:
///
/// ```swift
/// // rollout, one step of N environments, into buffers kept across steps
/// model.act(observations: rows, masks: masks, hidden: hidden, environments: N,
///           distributionParameters: parameters, values: values, workspace: workspace)
/// model.distributionHead.sample(preparing: parameters, into: actions, logProbabilities: logP, using: &generator)
///
/// // update, T steps of the minibatch's environments
/// let output = model.forward(observations: batch, masks: m, hidden: h0, steps: T, environments: n)
/// let ratio = (output.distribution.logProbability(of: actions) - oldLogProbabilities).exp()
/// let loss = -minimum(ratio * advantages, ratio.clamped(to: 0.8, 1.2) * advantages).mean()
///     + 0.25 * (output.values - returns).squared().mean() - 0.01 * output.distribution.entropy().mean()
/// model.parameters.zeroGradients()
/// loss.backward()                                   // into model.parameters' gradient buffer
/// ```
public protocol ActorCriticModel: AnyObject {
    /// Every parameter of the model, in one flat buffer (and gradients in another).
    var parameters: ParameterStore { get }
    /// Recurrent state size per environment; 0 for feed-forward models.
    var recurrentStateSize: Int { get }
    /// The distribution the policy produces, and the layout of its parameters in `act`.
    var distributionHead: any DistributionHead { get }
    /// Runs the model over `steps` time steps of `environments` environments.
    /// - observations: `steps·environments` rows, time-major (row `t·environments + e`)
    /// - masks: `[steps·environments]`, 0 where an episode started at that step (the
    ///   state is reset before it is used), else 1
    /// - hidden: `[environments, recurrentStateSize]`, the state before the first step
    ///   (`[environments, 0]` for feed-forward models)
    func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput
    /// One step of `environments` environments without gradients, for rollouts: the numbers
    /// `forward(…, steps: 1, …)` computes, written into the caller's buffers.
    /// - observations: `environments` rows
    /// - masks: `[environments]`, 0 where an episode starts (the state is reset first), else 1
    /// - hidden: `[environments, recurrentStateSize]`, the state before the step on entry
    ///   and after it on return
    /// - distributionParameters: `[environments, distributionHead.parameterCount]`, written
    /// - values: `[environments]`, written
    /// - workspace: scratch memory the model may keep between calls
    ///
    /// The built-in models allocate nothing once `workspace` has served one step of the
    /// same size. The default implementation calls `forward` (and allocates its tensors),
    /// so a model that only writes `forward` still works.
    func act(
        observations: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace)
}

extension ActorCriticModel {
    public func act(
        observations: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        let output = withoutGradients {
            forward(
                observations: observations.batch(), masks: Tensor(shape: [environments], values: Array(masks)),
                hidden: Tensor(shape: [environments, recurrentStateSize], values: Array(hidden)),
                steps: 1, environments: environments)
        }
        let parameters = output.distribution.headParameters
        precondition(parameters.count == distributionParameters.count && output.values.count == values.count && output.hidden.count == hidden.count,
                     "act(…) buffers do not match forward's output shapes")
        parameters.withUnsafeBufferPointer { _ = distributionParameters.update(fromContentsOf: $0) }
        output.values.withUnsafeBufferPointer { _ = values.update(fromContentsOf: $0) }
        output.hidden.withUnsafeBufferPointer { _ = hidden.update(fromContentsOf: $0) }
    }
}

/// What an `ActorCriticModel` computes over a rollout segment.
public struct ActorCriticOutput {
    /// The policy at each row, `steps·environments` distributions.
    public var distribution: any PolicyDistribution
    /// State values, `[steps·environments]`.
    public var values: Tensor
    /// The recurrent state after the last step, `[environments, recurrentStateSize]`.
    public var hidden: Tensor

    /// The output of one forward pass.
    public init(distribution: any PolicyDistribution, values: Tensor, hidden: Tensor) {
        self.distribution = distribution
        self.values = values
        self.hidden = hidden
    }
}
