import ExptrainEngine
import ExptrainExperiment
import ExptrainMPI
import XCTest

final class RunSeedsTests: XCTestCase {
    func testSameSeedGivesSameListAndDigest() {
        let first = RunSeeds(seeds: RunSeeds.draw(count: 4, seed: 7))
        let second = RunSeeds(seeds: RunSeeds.draw(count: 4, seed: 7))
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.digest, second.digest)
        XCTAssertEqual(first.digest.count, 16)
        XCTAssertEqual(Set(first.seeds).count, 4, "seeds of different processes differ")
        XCTAssertNotEqual(RunSeeds(seeds: RunSeeds.draw(count: 4, seed: 8)).digest, first.digest)
    }

    func testDigestIsFNV1aOfLittleEndianBytes() {
        // FNV-1a 64 of eight zero bytes, computed independently.
        XCTAssertEqual(RunSeeds(seeds: [0]).digest, "a8c7f832281a39c5")
    }

    func testSingletonBroadcastKeepsRankZerosDraw() throws {
        let seeds = try RunSeeds.broadcast(seed: 3, over: Communicator.world())
        XCTAssertEqual(seeds.seeds, RunSeeds.draw(count: 1, seed: 3))
    }
}

final class EpisodeStatisticsTests: XCTestCase {
    func testIntervalSumsResetAndRecentWindowKeepsLast100() throws {
        let world = try Communicator.world()
        let statistics = EpisodeStatistics()
        for i in 0..<150 {
            statistics.record(TaskMetrics(episodeReturn: Double(i), length: i + 1, success: i % 2 == 0), order: Double(i))
        }
        var extras = [2.5, -1]
        let summary = try statistics.reduce(over: world, extras: &extras)
        XCTAssertEqual(summary.episodes, 150)
        XCTAssertEqual(summary.meanReturn, 74.5)
        XCTAssertEqual(summary.meanLength, 75.5)
        XCTAssertEqual(summary.successRate, 0.5)
        XCTAssertEqual(summary.returnMean100, 99.5)  // mean of 50…149
        XCTAssertEqual(summary.successMean100, 0.5)
        XCTAssertEqual(extras, [2.5, -1], "one rank's extras are their own sums")

        let next = try statistics.reduce(over: world)
        XCTAssertEqual(next.episodes, 0)
        XCTAssertNil(next.meanReturn)
        XCTAssertEqual(next.returnMean100, 99.5, "the recent window outlives the interval")
    }

    func testRecentWindowIsSummedInOrderWhateverTheRecordingOrder() throws {
        // Recorded out of order (a resumed ring starts at slot 0, a full one wraps), with
        // returns whose sum depends on the order: 1 + 1e16 is 1e16, so summed by ascending
        // order the 98 ones vanish; summed as recorded, the 72 after −1e16 do not.
        let statistics = EpisodeStatistics()
        func episodeReturn(_ order: Int) -> Double { order == 0 ? 1e16 : order == 99 ? -1e16 : 1 }
        let orders = (0..<100).map { ($0 * 37) % 100 }
        for order in orders {
            statistics.record(TaskMetrics(episodeReturn: episodeReturn(order), length: 1, success: order < 50), order: Double(order))
        }
        let ascending = (0..<100).reduce(0.0) { $0 + episodeReturn($1) } / 100
        XCTAssertNotEqual(ascending, orders.reduce(0.0) { $0 + episodeReturn($1) } / 100, "the order shows in the sum")
        let summary = try statistics.reduce(over: Communicator.world())
        XCTAssertEqual(summary.returnMean100, ascending)
        XCTAssertEqual(summary.successMean100, 0.5)

        statistics.record(TaskMetrics(episodeReturn: 3, length: 1), order: 100)
        let next = try statistics.reduce(over: Communicator.world())
        XCTAssertEqual(next.returnMean100, ((1..<100).reduce(0.0) { $0 + episodeReturn($1) } + 3) / 100, "order 0 leaves the window")
        XCTAssertEqual(next.successMean100, 49.0 / 99.0, "the episode without success is left out")
    }

    func testTasksWithoutSuccessReportNoSuccessRate() throws {
        let statistics = EpisodeStatistics()
        statistics.record(TaskMetrics(episodeReturn: 10, length: 10), order: 0)
        let summary = try statistics.reduce(over: Communicator.world())
        XCTAssertNil(summary.successRate)
        XCTAssertNil(summary.successMean100)
        XCTAssertEqual(summary.returnMean100, 10)
    }
}
