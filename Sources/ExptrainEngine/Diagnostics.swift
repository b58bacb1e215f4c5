/// Scalar diagnostics (losses' own, the gradient norm, the rollout fraction) summed over the
/// minibatches of a log interval on this rank, by key.
///
/// Keys are kept in the order they were first reported, which is the same on every rank
/// (every rank runs the same losses on the same number of minibatches), so the sums can
/// ride in the log point's one reduction as a flat array.
struct DiagnosticSums {
    private(set) var keys: [String] = []
    private var values: [Double] = []
    private var counts: [Double] = []

    mutating func add(_ key: String, _ value: Float) {
        if let index = keys.firstIndex(of: key) {
            values[index] += Double(value)
            counts[index] += 1
        } else {
            keys.append(key)
            values.append(Double(value))
            counts.append(1)
        }
    }

    mutating func add(_ items: [(key: String, value: Float)]) {
        for item in items { add(item.key, item.value) }
    }

    /// Forgets every key and sum for the next log interval, keeping the arrays' capacity,
    /// so the interval's first `add` of each key allocates nothing.
    mutating func reset() {
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
    }

    /// Replaces the contents of `packed` with the sums then the counts, to reduce across
    /// ranks, in place.
    func pack(into packed: inout [Double]) {
        packed.removeAll(keepingCapacity: true)
        packed.append(contentsOf: values)
        packed.append(contentsOf: counts)
    }

    /// Replaces the contents of `means` with the means of the reduced `sums`, by key
    /// (keys without a count left out), in place.
    func means(_ reduced: [Double], into means: inout [(key: String, value: Double)]) {
        means.removeAll(keepingCapacity: true)
        guard reduced.count == 2 * keys.count else { return }
        for index in keys.indices {
            let count = reduced[keys.count + index]
            if count > 0 { means.append((keys[index], reduced[index] / count)) }
        }
    }
}
