import ExptrainEnvironment
import ExptrainRandom
import ExptrainTensor

/// A batch of action distributions π(·|s), one per row, differentiable in the model's
/// output: what a loss reads. `Categorical`, `MultiCategorical` and `DiagonalGaussian`
/// conform.
///
/// Actions are `[B, actionDimensions]` floats, the form rollout storage keeps
/// (a discrete action is its index as a float).
///
/// ```swift
/// let policy = output.distribution
/// let ratio = (policy.logProbability(of: batch.actions) - batch.oldLogProbabilities).exp()
/// let entropyBonus = policy.entropy().mean()
/// ```
public protocol PolicyDistribution {
    /// `B`, the number of distributions.
    var batchSize: Int { get }
    /// `log π(a_b|s_b)` per row, `[B]`; `actions` is `[B, actionDimensions]`.
    func logProbability(of actions: Tensor) -> Tensor
    /// The entropy per row, `[B]`.
    func entropy() -> Tensor
    /// The most probable action per row, `[B, actionDimensions]`, outside any graph.
    var mode: Tensor { get }
    /// One action per row, `[B, actionDimensions]`, outside any graph.
    func sample(using generator: inout RandomGenerator) -> Tensor
    /// The parameters in the layout of the distribution's head (`DistributionHead`),
    /// `[B, parameterCount]`: what `ActorCriticModel.act` writes for the same rows, up to
    /// what the head's sampling normalises (a categorical head's logits are shifted by
    /// their log-sum-exp; these are the normalised log-probabilities).
    var headParameters: Tensor { get }
}

/// The head an actor-critic model ends in: the distribution family its policy belongs to,
/// the layout of that distribution's parameters in a rollout buffer, and sampling from
/// such a buffer without allocating. A model declares its head; the engine sizes its
/// buffers from it and samples rollout actions through it.
///
/// A new distribution is one file: a `PolicyDistribution` for the losses and a
/// `DistributionHead` for rollouts.
public protocol DistributionHead: Sendable, CustomStringConvertible {
    /// Floats per row that `ActorCriticModel.act` writes (logits, or means and log-stds).
    var parameterCount: Int { get }
    /// Floats per stored action (`ActionSpace.dimensions`).
    var actionDimensions: Int { get }
    /// Throws unless this head's actions belong to `space`.
    func check(actionSpace space: ActionSpace) throws(SpaceError)
    /// Draws one action per row of `parameters` (`rows × parameterCount`) into `actions`
    /// (`rows × actionDimensions`) and writes each drawn action's log-probability.
    ///
    /// The head may rewrite `parameters` in place into the form that
    /// `logProbability(prepared:of:)` reads (a categorical head normalises its logits),
    /// so the log-probability of another action in the same row (an expert's) costs one read.
    func sample(
        preparing parameters: UnsafeMutableBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, using generator: inout RandomGenerator)
    /// `log π(action)` for one row of parameters prepared by `sample(preparing:…)`.
    func logProbability(prepared row: UnsafePointer<Float>, of action: UnsafePointer<Float>) -> Float
    /// The most probable action of each row of `parameters` (as `act` wrote them), for
    /// deterministic evaluation.
    func mode(of parameters: UnsafeBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>)
}

extension DistributionHead {
    /// The number of rows a parameter buffer of `count` floats holds, checked against `actions`.
    func rows(_ parameters: Int, _ actions: Int) -> Int {
        let rows = parameterCount == 0 ? 0 : parameters / parameterCount
        precondition(
            rows * parameterCount == parameters && rows * actionDimensions == actions,
            "\(parameters) distribution parameters and \(actions) action values do not make rows of \(parameterCount) and \(actionDimensions)")
        return rows
    }
}
