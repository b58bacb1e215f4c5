import ExptrainEnvironment
import ExptrainTensor

/// How an actor network's last layer becomes a policy for an action space, shared by the
/// built-in actor-critics: the distribution head, the width of the actor's output, the
/// distribution over a batch of outputs, and the head parameters `act(…)` writes.
///
/// - `Discrete(n)`: `n` logits (`Categorical`)
/// - `MultiDiscrete([n…])`: `Σ n` logits (`MultiCategorical`)
/// - `Box` of size `D`: `D` means with the state-independent `actor_logstd` `[1, D]`
///   (`DiagonalGaussian`); `act(…)` writes rows of `[mean, log σ]`
enum PolicyOutputLayout {
    case categorical
    case multiCategorical(counts: [Int])
    case gaussian(dimensions: Int)

    init(_ actionSpace: ActionSpace) {
        switch actionSpace {
        case .discrete: self = .categorical
        case .multiDiscrete(let counts): self = .multiCategorical(counts: counts)
        case .box(let box): self = .gaussian(dimensions: box.size)
        }
    }

    /// The head for `actionSpace` (which this layout was made from).
    static func head(for actionSpace: ActionSpace) -> any DistributionHead {
        switch actionSpace {
        case .discrete(let count): CategoricalHead(actionCount: count)
        case .multiDiscrete(let counts): MultiCategoricalHead(counts: counts)
        case .box(let box): GaussianHead(dimensions: box.size)
        }
    }

    /// The width of the actor network's output.
    static func actorOutputSize(for actionSpace: ActionSpace) -> Int {
        switch actionSpace {
        case .discrete(let count): count
        case .multiDiscrete(let counts): counts.reduce(0, +)
        case .box(let box): box.size
        }
    }

    /// The actor's output layer's name, as CleanRL's agents call it: `actor_mean` for a Gaussian, else `actor`.
    var actorName: String {
        if case .gaussian = self { "actor_mean" } else { "actor" }
    }

    /// Registers `actor_logstd` `[1, D]` (zeros) for a Gaussian policy; `nil` otherwise.
    func registerLogStandardDeviation(in parameters: ParameterStore) -> Parameter? {
        guard case .gaussian(let dimensions) = self else { return nil }
        return parameters.register("actor_logstd", shape: [1, dimensions], initialValues: [Float](repeating: 0, count: dimensions))
    }

    /// The policy of each row of `actorOutput`.
    func distribution(_ actorOutput: Tensor, logStandardDeviation: Parameter?) -> any PolicyDistribution {
        switch self {
        case .categorical: Categorical(logits: actorOutput)
        case .multiCategorical(let counts): MultiCategorical(logits: actorOutput, counts: counts)
        case .gaussian(let dimensions):
            DiagonalGaussian(mean: actorOutput, logStandardDeviation: logStandardDeviation!.tensor.reshaped([dimensions]))
        }
    }

    /// Runs `actor` (which writes `rows × actorOutputSize` floats where it is told) so that
    /// `parameters` ends up in the head's layout: logits in place, or a Gaussian's means
    /// (into `meanScratch`) interleaved with `log σ`.
    func writeHeadParameters(
        rows: Int, into parameters: UnsafeMutablePointer<Float>, logStandardDeviation: Parameter?,
        meanScratch: () -> UnsafeMutablePointer<Float>, actor: (UnsafeMutablePointer<Float>) -> Void
    ) {
        guard case .gaussian(let dimensions) = self else {
            actor(parameters)
            return
        }
        let means = meanScratch()
        actor(means)
        let logSigma = logStandardDeviation!.tensor.withUnsafeBufferPointer { $0.baseAddress! }
        for row in 0..<rows {
            let target = parameters + row * 2 * dimensions
            target.update(from: means + row * dimensions, count: dimensions)
            (target + dimensions).update(from: logSigma, count: dimensions)
        }
    }
}
