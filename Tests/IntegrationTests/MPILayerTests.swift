import Foundation
import XCTest

/// Runs `exptrain check-mpi` under real `mpirun` jobs and checks every rank's
/// results exactly, against expectations computed here from the probe definitions.
final class MPILayerTests: XCTestCase {
    func testTwoRanks() throws { try checkJob(np: 2) }

    func testThreeRanksOversubscribed() throws { try checkJob(np: 3) }

    func testListUnderMpirunExitsZero() throws {
        let result = try JobRunner.mpirun(np: 3, ["--list"])
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testFailingRankEndsTheJobWithItsMessage() throws {
        for np in [2, 3] {
            let result = try JobRunner.mpirun(np: np, ["check-mpi", "--fail-on-rank", "1"], timeout: 60)
            XCTAssertFalse(result.timedOut, "np \(np): job hung after rank 1 failed")
            XCTAssertNotEqual(result.status, 0, "np \(np)")
            XCTAssertLessThan(result.seconds, 10, "np \(np): job took \(result.seconds) s to end")
            XCTAssertTrue(
                result.standardError.contains("rank 1 of \(np)") && result.standardError.contains("failing on purpose"),
                "np \(np): stderr was \(result.standardError)")
        }
    }

    func testSingletonRunsWithoutMpirun() throws {
        let result = try JobRunner.exptrain(["check-mpi"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let reports = try result.jsonLines()
        XCTAssertEqual(reports.count, 1)
        try checkReports(reports, np: 1)
    }

    private func checkJob(np: Int) throws {
        let result = try JobRunner.mpirun(np: np, ["check-mpi"])
        XCTAssertEqual(result.status, 0, result.standardError)
        try checkReports(result.jsonLines(), np: np)
    }

    private func checkReports(_ reports: [[String: Any]], np: Int) throws {
        XCTAssertEqual(reports.compactMap { $0["rank"] as? Int }.sorted(), Array(0..<np))
        // Every rank of these jobs is on this machine: one node.
        XCTAssertEqual(
            reports.compactMap { $0["localRank"] as? Int }.sorted(), Array(0..<np), "local ranks")
        let expectedReduce = expectedAllReduce(np: np)
        for report in reports {
            let rank = try XCTUnwrap(report["rank"] as? Int)
            XCTAssertEqual(report["size"] as? Int, np, "rank \(rank)")
            XCTAssertEqual(report["localSize"] as? Int, np, "rank \(rank)")
            XCTAssertEqual(report["localRank"] as? Int, rank, "rank \(rank)")

            let broadcast = try XCTUnwrap(report["broadcast"] as? [String: [String]])
            XCTAssertEqual(broadcast["bytes"], (0...255).map { String($0, radix: 16) }, "rank \(rank) bytes")
            // Swift rounds Float.pi toward zero: 0x40490fda.
            XCTAssertEqual(
                broadcast["float"],
                ["40490fda", "80000000", "1", "7f7fffff", "33d6bf95", "c0600000"], "rank \(rank) floats")
            XCTAssertEqual(
                broadcast["double"],
                ["400921fb54442d18", "3fd5555555555555", "fe37e43c8800759c", "1"], "rank \(rank) doubles")
            XCTAssertEqual(broadcast["uint64"], ["0", "1", "ffffffffffffffff", "deadbeefcafebabe"], "rank \(rank)")
            XCTAssertEqual(report["broadcastString"] as? String, "exptrain ✓ broadcast from rank 0 → 世界")

            let reduced = try XCTUnwrap(report["allReduce"] as? [String: [String]])
            XCTAssertEqual(reduced, expectedReduce, "rank \(rank) all-reduce")
            XCTAssertEqual(
                report["allGather"] as? [Int], (0..<np).flatMap { [$0 * 10, $0 * 10 + 1] }, "rank \(rank) all-gather")
            XCTAssertEqual(report["arrivals"] as? Int, np, "rank \(rank) saw every rank arrive")
        }
    }

    /// Sum, max and min over ranks 0..<np of the probes
    /// float [r+1, r/2−1, 2^r], double [r/4+3, −r², 2^(r+20)], int64 [r·10¹²+7, −(r+1), ±2⁴⁰].
    private func expectedAllReduce(np: Int) -> [String: [String]] {
        let ranks = Array(0..<np)
        func column<T>(_ values: (Int) -> [T], _ combine: ([T]) -> T) -> [T] {
            (0..<values(0).count).map { i in combine(ranks.map { values($0)[i] }) }
        }
        let f: (Int) -> [Float] = { r in [Float(r) + 1, Float(r) * 0.5 - 1, Float(1 << r)] }
        let d: (Int) -> [Double] = { r in [Double(r) * 0.25 + 3, -Double(r * r), Double(1 << (r + 20))] }
        let i: (Int) -> [Int64] = { r in [Int64(r) * 1_000_000_000_000 + 7, -Int64(r + 1), (r % 2 == 0 ? 1 : -1) << 40] }
        let hexF: ([Float]) -> [String] = { $0.map { String($0.bitPattern, radix: 16) } }
        let hexD: ([Double]) -> [String] = { $0.map { String($0.bitPattern, radix: 16) } }
        let hexI: ([Int64]) -> [String] = { $0.map { String(UInt64(bitPattern: $0), radix: 16) } }
        return [
            "float_sum": hexF(column(f) { $0.dropFirst().reduce($0[0], +) }),
            "float_max": hexF(column(f) { $0.max()! }),
            "float_min": hexF(column(f) { $0.min()! }),
            "double_sum": hexD(column(d) { $0.dropFirst().reduce($0[0], +) }),
            "double_max": hexD(column(d) { $0.max()! }),
            "double_min": hexD(column(d) { $0.min()! }),
            "int64_sum": hexI(column(i) { $0.dropFirst().reduce($0[0], +) }),
            "int64_max": hexI(column(i) { $0.max()! }),
            "int64_min": hexI(column(i) { $0.min()! }),
        ]
    }
}
