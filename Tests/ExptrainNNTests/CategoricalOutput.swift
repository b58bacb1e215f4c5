import ExptrainNN
import ExptrainTensor

extension ActorCriticOutput {
    /// The log-probabilities of a categorical policy's output, `[rows, actions]`.
    var logProbabilities: Tensor { categorical.logProbabilities }
    /// The output's policy, which these tests' models make categorical.
    var categorical: Categorical { distribution as! Categorical }
}
