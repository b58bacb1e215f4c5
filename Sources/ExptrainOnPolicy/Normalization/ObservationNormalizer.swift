/// Normalises the Float32 part of observations with a running mean and variance shared by
/// every rank (Gymnasium's `NormalizeObservation`, with CleanRL's clipping):
///
///     x̂ = clip((x − μ) / √(σ² + ε), −c, c),   ε = 1e-8, c = 10
///
/// During a rollout the statistic is fixed and each new observation is added to this
/// rank's `CenteredSums`; at the update, ranks add their sums in the update's one small
/// collective and every rank merges the same totals (`absorb`), so all ranks normalise
/// identically. Evaluation, `exptrain rollout` and export use a `frozen` normaliser.
///
/// ```swift
/// let normalizer = ObservationNormalizer(dimensions: 17)
/// normalizer.observe(row)              // rollouts: add to the sums, then normalise in place
/// collective += normalizer.contribution
/// normalizer.absorb(reduced[range])    // after the all-reduce
/// ```
public final class ObservationNormalizer: SynchronizedStatistic {
    public private(set) var statistic: RunningMeanStd
    public let clip: Float
    public let epsilon: Double
    /// A frozen normaliser never changes its statistic (evaluation).
    public let frozen: Bool
    private var sums: CenteredSums
    /// `μ` and `1/√(σ² + ε)` as floats: what `normalize` subtracts and multiplies by
    /// (and what an exported policy's graph holds).
    public private(set) var shift: [Float]
    public private(set) var scale: [Float]

    public init(dimensions: Int, clip: Float = 10, epsilon: Double = 1e-8, frozen: Bool = false) {
        statistic = RunningMeanStd(dimensions: dimensions)
        self.clip = clip
        self.epsilon = epsilon
        self.frozen = frozen
        sums = CenteredSums(dimensions: dimensions)
        shift = [Float](repeating: 0, count: dimensions)
        scale = [Float](repeating: 1, count: dimensions)
        refresh()
    }

    /// A normaliser with `statistic`, as restored from a checkpoint.
    public convenience init(statistic: RunningMeanStd, clip: Float = 10, epsilon: Double = 1e-8, frozen: Bool) {
        self.init(dimensions: statistic.dimensions, clip: clip, epsilon: epsilon, frozen: frozen)
        self.statistic = statistic
        refresh()
    }

    public var dimensions: Int { statistic.dimensions }

    /// Adds the raw observation `row` to this rank's sums (unless frozen), then normalises it in place.
    public func observe(_ row: UnsafeMutableBufferPointer<Float>) {
        if !frozen { sums.add(UnsafeBufferPointer(row), centre: statistic.mean) }
        normalize(row)
    }

    /// Normalises `row` in place with the current statistic.
    public func normalize(_ row: UnsafeMutableBufferPointer<Float>) {
        precondition(row.count == dimensions, "\(row.count) observation floats for a normaliser of \(dimensions)")
        for d in 0..<dimensions {
            row[d] = min(clip, max(-clip, (row[d] - shift[d]) * scale[d]))
        }
    }

    public var contribution: [Double] { sums.values }

    public func absorb(_ reduced: ArraySlice<Double>) {
        guard !frozen else { return }
        CenteredSums.merge(reduced, into: &statistic)
        sums.reset()
        refresh()
    }

    /// In place: the arrays keep their buffers from update to update.
    private func refresh() {
        for d in 0..<dimensions {
            shift[d] = Float(statistic.mean[d])
            scale[d] = Float(1 / (statistic.variance[d] + epsilon).squareRoot())
        }
    }
}

/// A statistic that ranks keep in sync by adding `contribution` over all ranks in the
/// update's collective and handing each rank the same total (`absorb`).
public protocol SynchronizedStatistic: AnyObject {
    /// This rank's sums since the last update, always the same length.
    var contribution: [Double] { get }
    /// Merges the sums of all ranks (`contribution`'s layout, summed).
    func absorb(_ reduced: ArraySlice<Double>)
}
