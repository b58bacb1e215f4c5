import ExptrainExperiment
import ExptrainNN
import ExptrainTensor

/// A loss term of this package's own, added to PPO by the pipeline without touching
/// exptrain: `L = c · mean(‖μ(s)‖²)`, a penalty on the Gaussian policy's mean action, so the
/// point does not push against the box's walls. Reports `action_magnitude` (the mean of
/// `‖μ‖²`), which reaches `metrics.jsonl` and TensorBoard like exptrain's own diagnostics.
struct ActionMagnitudePenalty: Loss {
    var coefficient: Float = 0.01

    func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm {
        guard let gaussian = output.distribution as? DiagonalGaussian else {
            preconditionFailure("ActionMagnitudePenalty needs a Gaussian policy, got \(type(of: output.distribution))")
        }
        let magnitude = gaussian.mean.squared().sum(axis: 1).mean()
        return LossTerm(loss: coefficient * magnitude, diagnostics: [("action_magnitude", magnitude.scalar)])
    }
}
