/// Scales rewards by the running standard deviation of each environment's discounted
/// return, shared by every rank (Gymnasium's `NormalizeReward`, with CleanRL's clipping):
///
///     G ← γ·G·(1 − terminated) + r,   r̂ = clip(r / √(σ²_G + ε), −c, c),   ε = 1e-8, c = 10
///
/// The return accumulates across truncations as Gymnasium's does; the statistic is
/// merged across ranks at each update like `ObservationNormalizer`'s.
public final class RewardScaler: SynchronizedStatistic {
    public private(set) var statistic: RunningMeanStd
    public let gamma: Double
    public let clip: Float
    public let epsilon: Double
    /// Each environment's discounted return so far.
    public private(set) var returns: [Double]
    private var sums = CenteredSums(dimensions: 1)
    private var scale: Float = 1

    public init(environments: Int, gamma: Double, clip: Float = 10, epsilon: Double = 1e-8) {
        statistic = RunningMeanStd(dimensions: 1)
        self.gamma = gamma
        self.clip = clip
        self.epsilon = epsilon
        returns = [Double](repeating: 0, count: environments)
        refresh()
    }

    /// The scaled reward of `environment`'s step, after adding the reward to its return.
    public func scale(_ reward: Float, environment e: Int, terminated: Bool) -> Float {
        returns[e] = returns[e] * gamma * (terminated ? 0 : 1) + Double(reward)
        sums.add(returns[e], centre: statistic.mean[0])
        return min(clip, max(-clip, reward * scale))
    }

    /// Restores a saved statistic.
    public func restore(_ saved: RunningMeanStd) {
        precondition(saved.dimensions == 1, "a reward statistic is one-dimensional")
        statistic = saved
        refresh()
    }

    /// Restores each environment's discounted return (from `returns` of a saved run).
    public func restoreReturns(_ saved: [Double]) {
        precondition(saved.count == returns.count, "\(saved.count) saved returns for \(returns.count) environments")
        returns = saved
    }

    public var contribution: [Double] { sums.values }

    public func absorb(_ reduced: ArraySlice<Double>) {
        CenteredSums.merge(reduced, into: &statistic)
        sums.reset()
        refresh()
    }

    private func refresh() {
        scale = Float(1 / (statistic.variance[0] + epsilon).squareRoot())
    }
}
