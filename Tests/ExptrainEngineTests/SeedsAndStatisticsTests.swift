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
        let summary = try statistics.reduce(over: world, extras: [2.5, -1])
        XCTAssertEqual(summary.episodes, 150)
        XCTAssertEqual(summary.meanReturn, 74.5)
        XCTAssertEqual(summary.meanLength, 75.5)
        XCTAssertEqual(summary.successRate, 0.5)
        XCTAssertEqual(summary.returnMean100, 99.5)  // mean of 50…149
        XCTAssertEqual(summary.successMean100, 0.5)
        XCTAssertEqual(summary.extraSums, [2.5, -1])

        let next = try statistics.reduce(over: world)
        XCTAssertEqual(next.episodes, 0)
        XCTAssertNil(next.meanReturn)
        XCTAssertEqual(next.returnMean100, 99.5, "the recent window outlives the interval")
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
