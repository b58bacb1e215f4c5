/// A running mean and variance of vectors, updated from batches with Chan et al.'s
/// parallel formula, exactly as Gymnasium's `RunningMeanStd`:
///
///     δ = μ_B − μ,   n' = n + n_B
///     μ' = μ + δ·n_B/n'
///     σ²' = (σ²·n + σ²_B·n_B + δ²·n·n_B/n') / n'
///
/// starting from `μ = 0`, `σ² = 1`, `n = 1e-4`. Kept in Double.
public struct RunningMeanStd: Sendable, Equatable {
    public var mean: [Double]
    public var variance: [Double]
    public var count: Double

    /// Gymnasium's initial statistic for vectors of `dimensions` values.
    public init(dimensions: Int) {
        mean = [Double](repeating: 0, count: dimensions)
        variance = [Double](repeating: 1, count: dimensions)
        count = 1e-4
    }

    /// A statistic as saved.
    public init(mean: [Double], variance: [Double], count: Double) {
        precondition(mean.count == variance.count, "\(mean.count) means for \(variance.count) variances")
        self.mean = mean
        self.variance = variance
        self.count = count
    }

    public var dimensions: Int { mean.count }

    /// Merges a batch of `batchCount` vectors with the given mean and (population) variance.
    public mutating func update(batchMean: [Double], batchVariance: [Double], batchCount: Double) {
        update(batchCount: batchCount) { d, _ in (batchMean[d], batchVariance[d]) }
    }

    /// The same merge, with dimension `d`'s batch mean and variance from `moments(d, μ_d)`,
    /// asked before `μ_d` changes: the form that needs no arrays.
    public mutating func update(batchCount: Double, moments: (_ d: Int, _ mean: Double) -> (mean: Double, variance: Double)) {
        guard batchCount > 0 else { return }
        let total = count + batchCount
        for d in mean.indices {
            let (batchMean, batchVariance) = moments(d, mean[d])
            let delta = batchMean - mean[d]
            let m2 = variance[d] * count + batchVariance * batchCount + delta * delta * count * batchCount / total
            mean[d] += delta * batchCount / total
            variance[d] = m2 / total
        }
        count = total
    }
}

/// Sums of one rank's values around a fixed centre `c` (the statistic's current mean),
/// `n`, `Σ(x − c)` and `Σ(x − c)²` per dimension: what ranks add up in the update's
/// collective, so that every rank recovers the same batch mean and variance,
///
///     μ_B = c + S₁/n,   σ²_B = S₂/n − (S₁/n)²
///
/// Centring at the running mean keeps the subtraction well conditioned.
public struct CenteredSums: Sendable, Equatable {
    public private(set) var values: [Double]
    public let dimensions: Int

    public init(dimensions: Int) {
        self.dimensions = dimensions
        values = [Double](repeating: 0, count: 1 + 2 * dimensions)
    }

    /// Adds one vector, centred at `centre`.
    public mutating func add(_ x: UnsafeBufferPointer<Float>, centre: [Double]) {
        values[0] += 1
        for d in 0..<dimensions {
            let deviation = Double(x[d]) - centre[d]
            values[1 + d] += deviation
            values[1 + dimensions + d] += deviation * deviation
        }
    }

    /// Adds one scalar, centred at `centre`.
    public mutating func add(_ x: Double, centre: Double) {
        values[0] += 1
        values[1] += x - centre
        values[2] += (x - centre) * (x - centre)
    }

    public mutating func reset() {
        for i in values.indices { values[i] = 0 }
    }

    /// Merges reduced sums (the same layout, summed over ranks, each centred at
    /// `statistic`'s mean) into `statistic`.
    public static func merge(_ reduced: ArraySlice<Double>, into statistic: inout RunningMeanStd) {
        let dimensions = statistic.dimensions
        let base = reduced.startIndex
        let n = reduced[base]
        statistic.update(batchCount: n) { d, centre in
            let first = reduced[base + 1 + d] / n
            return (centre + first, max(0, reduced[base + 1 + dimensions + d] / n - first * first))
        }
    }
}
