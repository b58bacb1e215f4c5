import ExptrainNN

/// The policy's side of `FusedMLPStep` for one kind of distribution head, on raw rows of
/// the actor network's output: forward, each sample's `log π(a|s)` and the entropy;
/// backward, the loss's gradient through them to the actor's output (and to the head's own
/// parameters). Each does the floating-point operations the tape records for its
/// `PolicyDistribution`, in the order `backward()` plays them, so the bits are the tape's.
///
/// The two built in: `FusedCategoricalTerms` (`Categorical` and `MultiCategorical`) and
/// `FusedGaussianTerms` (`DiagonalGaussian` with `MLPActorCritic`'s state-independent
/// `actor_logstd`).
protocol FusedPolicyTerms: AnyObject {
    /// Floats per sample of the actor network's output (logits, or the Gaussian's means).
    var actorOutputSize: Int { get }

    /// Writes `log π(a_i|s_i)` of the `count` samples into `logProbabilities` from the
    /// actor's output rows and the samples' actions (the head's `actionDimensions` floats
    /// each), keeping what `backward` needs; returns `Σ_i H_i` summed in Double, the sum
    /// `entropy().mean()` scales.
    func forward(actorOutput: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                 into logProbabilities: UnsafeMutablePointer<Float>) -> Double

    /// From the loss's gradient at each `log π(a_i|s_i)` and at each row's entropy
    /// (`entropyShare`, the same for every row), writes `d/d(actor output)` into
    /// `actorOutputGradient` and adds the head's own parameters' gradients into the model's
    /// (zeroed) gradient buffer.
    func backward(count: Int, logProbabilityGradients: UnsafePointer<Float>, entropyShare: Float,
                  into actorOutputGradient: UnsafeMutablePointer<Float>)
}
