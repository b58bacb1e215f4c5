import XCTest

/// The command line's contract: versions, listings, and usage errors as one line with exit code 2.
final class CommandLineTests: XCTestCase {
    func testVersion() throws {
        let result = try JobRunner.exptrain(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    func testListExitsZero() throws {
        let result = try JobRunner.exptrain(["--list"])
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testUsageErrorsAreOneLineWithExitCodeTwo() throws {
        let cases: [([String], String)] = [
            (["--no-such-flag"], "--no-such-flag"),
            (["train", "--no-such-flag"], "--no-such-flag"),
            ([], "missing experiment tag"),
            (["no-such-experiment"], "unknown experiment tag 'no-such-experiment'"),
            (["check-mpi", "--fail-on-rank", "x"], "'x' is invalid"),
        ]
        for (arguments, expected) in cases {
            let result = try JobRunner.exptrain(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.standardError)")
            let lines = result.standardError.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(result.standardError)")
            XCTAssertTrue(result.standardError.contains(expected), "\(arguments): \(result.standardError)")
        }
    }
}
