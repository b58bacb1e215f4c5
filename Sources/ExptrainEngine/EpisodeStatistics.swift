import ExptrainEnvironment
import ExptrainExperiment
import ExptrainMPI

/// What all ranks' finished episodes add up to at a log point.
public struct EpisodeSummary: Sendable, Equatable {
    /// Episodes finished since the previous log point, over all ranks.
    public var episodes: Int
    /// Mean return, length and success of those episodes (`nil` when none finished,
    /// or, for success, when the task has no notion of success).
    public var meanReturn: Double?
    public var meanLength: Double?
    public var successRate: Double?
    /// Over the last 100 episodes finished on any rank.
    public var returnMean100: Double?
    public var successMean100: Double?
}

/// Collects finished episodes on one rank and reduces them across all ranks.
///
/// Each rank keeps its own last 100 episodes in a fixed ring; at a log point the
/// rings are gathered and the 100 most recent over all ranks are kept, ordered by
/// the global step at which they finished (then rank, then environment), which
/// every rank computes identically.
public final class EpisodeStatistics {
    public static let window = 100

    private struct Finished {
        var order: Double = 0
        var episodeReturn: Double = 0
        var success: Double = -1  // −1: the task reports no success
    }

    private var ring = [Finished](repeating: Finished(), count: EpisodeStatistics.window)
    private var ringCount = 0
    private var ringNext = 0

    private var episodes = 0.0
    private var returnSum = 0.0
    private var lengthSum = 0.0
    private var successSum = 0.0
    private var successEpisodes = 0.0
    // The buffers of `reduce`, refilled in place each log point.
    private var sums: [Double] = []
    private var local = [Double](repeating: 0, count: 1 + 3 * EpisodeStatistics.window)
    private var gathered: [Double] = []
    private var recent: [Recent] = []
    private var sortScratch: [Recent] = []

    /// A gathered episode, ordered by its finishing step and then its rank.
    private struct Recent {
        var order: Double
        var rank: Int
        var episodeReturn: Double
        var success: Double

        func precedes(_ other: Recent) -> Bool { (order, rank) < (other.order, other.rank) }
    }

    public init() {}

    /// Records an episode that finished at global step `order`.
    ///
    /// `order` must increase with time the same way on every rank, and differ between
    /// the environments of a rank (for example `globalStep · environments + environment`).
    public func record(_ metrics: TaskMetrics, order: Double) {
        episodes += 1
        returnSum += metrics.episodeReturn
        lengthSum += Double(metrics.length)
        let success = metrics.success.map { $0 ? 1.0 : 0.0 } ?? -1
        if success >= 0 {
            successSum += success
            successEpisodes += 1
        }
        ring[ringNext] = Finished(order: order, episodeReturn: metrics.episodeReturn, success: success)
        ringNext = (ringNext + 1) % Self.window
        ringCount = min(ringCount + 1, Self.window)
    }

    /// This rank's interval sums and recent episodes (oldest first), as words: what a
    /// checkpoint keeps so that a resumed run's 100-episode means go on as they would have.
    public var savedProgress: [UInt64] {
        var values = [episodes, returnSum, lengthSum, successSum, successEpisodes, Double(ringCount)]
        let oldest = ringCount < Self.window ? 0 : ringNext
        for i in 0..<ringCount {
            let entry = ring[(oldest + i) % Self.window]
            values += [entry.order, entry.episodeReturn, entry.success]
        }
        return values.map(\.bitPattern)
    }

    /// Continues from `savedProgress` words; throws a `TaskError` for words it cannot have saved.
    public func restoreProgress(_ words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved episode window")
        let sums = try (0..<5).map { _ in try reader.double() }
        let count = try reader.double()
        guard let entries = Int(exactly: count), (0...Self.window).contains(entries) else {
            throw TaskError("a saved episode window holds \(count) episodes, at most \(Self.window) fit; it is corrupt")
        }
        let saved = try (0..<entries).map { _ in Finished(order: try reader.double(), episodeReturn: try reader.double(), success: try reader.double()) }
        try reader.finish()
        (episodes, returnSum, lengthSum, successSum, successEpisodes) = (sums[0], sums[1], sums[2], sums[3], sums[4])
        for (i, entry) in saved.enumerated() { ring[i] = entry }
        ringCount = entries
        ringNext = entries % Self.window
    }

    /// Reduces this interval's episodes over all ranks and starts a new interval.
    /// Every rank gets the same summary.
    public func reduce(over world: Communicator) throws -> EpisodeSummary {
        var noExtras: [Double] = []
        return try reduce(over: world, extras: &noExtras)
    }

    /// Reduces this interval's episodes over all ranks, together with `extras`, which
    /// become their element-wise sums over ranks in place (every rank must pass the same
    /// count), and starts a new interval. Every rank gets the same summary.
    ///
    /// One all-reduce for the sums and one all-gather for the recent-episode rings, into
    /// buffers kept across log points: a log point allocates nothing once they have grown.
    ///
    /// ```swift
    /// var losses = [policyLossSum, valueLossSum]
    /// let summary = try statistics.reduce(over: world, extras: &losses)  // losses: sums over ranks
    /// ```
    public func reduce(over world: Communicator, extras: inout [Double]) throws -> EpisodeSummary {
        sums.removeAll(keepingCapacity: true)
        sums.append(episodes)
        sums.append(returnSum)
        sums.append(lengthSum)
        sums.append(successSum)
        sums.append(successEpisodes)
        sums.append(contentsOf: extras)
        try world.allReduce(&sums, .sum, label: "episode statistics")
        episodes = 0
        returnSum = 0
        lengthSum = 0
        successSum = 0
        successEpisodes = 0

        local[0] = Double(ringCount)
        for i in 0..<ringCount {
            let entry = ring[i]
            local[1 + 3 * i] = entry.order
            local[2 + 3 * i] = entry.episodeReturn
            local[3 + 3 * i] = entry.success
        }
        try world.allGather(local, into: &gathered, label: "recent episodes")
        // Room for every rank's whole ring from the first log point on: the rings fill over
        // the first log points, and growing the arrays then allocated at a later one.
        recent.reserveCapacity(Self.window * world.size)
        sortScratch.reserveCapacity(Self.window * world.size)
        recent.removeAll(keepingCapacity: true)
        for rank in 0..<world.size {
            let base = rank * local.count
            for i in 0..<Int(gathered[base]) {
                recent.append(Recent(
                    order: gathered[base + 1 + 3 * i], rank: rank,
                    episodeReturn: gathered[base + 2 + 3 * i], success: gathered[base + 3 + 3 * i]))
            }
        }
        sortRecent()
        let last = recent.suffix(Self.window)
        var recentSuccessSum = 0.0
        var recentSuccesses = 0
        for entry in last where entry.success >= 0 {
            recentSuccessSum += entry.success
            recentSuccesses += 1
        }

        for index in extras.indices { extras[index] = sums[5 + index] }
        let count = sums[0]
        return EpisodeSummary(
            episodes: Int(count),
            meanReturn: count > 0 ? sums[1] / count : nil,
            meanLength: count > 0 ? sums[2] / count : nil,
            successRate: sums[4] > 0 ? sums[3] / sums[4] : nil,
            returnMean100: last.isEmpty ? nil : last.reduce(0) { $0 + $1.episodeReturn } / Double(last.count),
            successMean100: recentSuccesses == 0 ? nil : recentSuccessSum / Double(recentSuccesses))
    }

    /// Sorts `recent` stably by `Recent.precedes`, as the standard library's stable sort
    /// would, but in place with the kept `sortScratch` (which the standard library's sort
    /// allocates anew above 20 elements): a bottom-up merge sort, runs of width 1, 2, 4, …
    /// merged from `recent` into the scratch and back, the left run's element first on ties.
    private func sortRecent() {
        let count = recent.count
        guard count > 1 else { return }
        if sortScratch.count < count {
            sortScratch.append(contentsOf: recent[sortScratch.count..<count])
        }
        var sourceIsRecent = true
        var width = 1
        while width < count {
            if sourceIsRecent {
                Self.mergeRuns(of: recent, width: width, count: count, into: &sortScratch)
            } else {
                Self.mergeRuns(of: sortScratch, width: width, count: count, into: &recent)
            }
            sourceIsRecent.toggle()
            width *= 2
        }
        if !sourceIsRecent {
            for index in 0..<count { recent[index] = sortScratch[index] }
        }
    }

    /// Merges each pair of adjacent sorted runs of `width` elements of `source[0..<count]`
    /// into the same positions of `target`.
    private static func mergeRuns(of source: [Recent], width: Int, count: Int, into target: inout [Recent]) {
        var start = 0
        while start < count {
            let middle = min(start + width, count)
            let end = min(start + 2 * width, count)
            var left = start
            var right = middle
            for position in start..<end {
                if right == end || (left < middle && !source[right].precedes(source[left])) {
                    target[position] = source[left]
                    left += 1
                } else {
                    target[position] = source[right]
                    right += 1
                }
            }
            start = end
        }
    }
}
