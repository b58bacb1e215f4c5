/// Splits `count` items into `bins` counts that differ by at most one, the first
/// bins taking the remainder (AllenAct's `evenly_distribute_count_into_bins`).
///
/// ```swift
/// try evenlyDistribute(count: 10, into: 4)  // [3, 3, 2, 2]
/// ```
///
/// Throws when there are fewer items than bins: a process with nothing to do is a
/// configuration mistake, not something to discover mid-run.
public func evenlyDistribute(count: Int, into bins: Int) throws -> [Int] {
    guard bins >= 1 else {
        throw ExperimentError("cannot distribute \(count) items into \(bins) bins; need at least one bin")
    }
    guard count >= bins else {
        throw ExperimentError(
            "cannot distribute \(count) items across \(bins) processes: every process needs at least one; run at most \(count) processes or add items")
    }
    let (base, remainder) = count.quotientAndRemainder(dividingBy: bins)
    return (0..<bins).map { base + ($0 < remainder ? 1 : 0) }
}

extension ProcessSlot {
    /// This process's share of `items` (scenes, levels, episodes): a contiguous
    /// slice, disjoint from every other process's, all shares together covering
    /// `items`, and sizes within one of each other.
    ///
    /// ```swift
    /// let myScenes = try slot.share(of: allScenes)
    /// ```
    public func share<Item>(of items: [Item]) throws -> [Item] {
        let range = try shareRange(count: items.count)
        return Array(items[range])
    }

    /// The index range of this process's share of `count` items (see `share(of:)`).
    public func shareRange(count: Int) throws -> Range<Int> {
        let counts = try evenlyDistribute(count: count, into: totalProcesses)
        let start = counts[..<processIndex].reduce(0, +)
        return start..<(start + counts[processIndex])
    }
}
