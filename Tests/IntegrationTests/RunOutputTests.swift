import Foundation
import XCTest

/// What a training run shows and leaves for a person: progress that suits where the
/// output goes.
final class RunOutputTests: XCTestCase {
    // MARK: Progress

    /// `mpirun … > log`: each rank's standard output is a pseudo-terminal, but the log is a
    /// file, so the progress must be whole plain lines.
    func testBatchLogUnderMpirunHasPlainLines() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--seed", "1", "--max-steps", "20000", "--output-dir", folder.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let output = result.standardOutput
        XCTAssertFalse(output.contains("\r"), "carriage return in a batch log: \(output.debugDescription)")
        XCTAssertFalse(output.contains("\u{1B}"), "escape code in a batch log: \(output.debugDescription)")
        let progress = output.split(separator: "\n").filter { $0.hasPrefix("step ") }
        XCTAssertGreaterThanOrEqual(progress.count, 4, output)
        for line in progress {
            XCTAssertTrue(line.contains(" steps/s | ") && line.contains(" | ETA "), String(line))
        }
        XCTAssertTrue(output.split(separator: "\n").last?.hasPrefix("done: 20480 steps") == true, output)
    }

    /// `mpirun` in a terminal (a pseudo-terminal made by `script`) keeps the updating line;
    /// `--progress plain` there prints plain lines all the same.
    func testTerminalGetsTheUpdatingLineUnlessPlainIsAsked() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal")
        let folder = try JobRunner.temporaryFolder(for: self)
        func inTerminal(_ arguments: [String]) throws -> String {
            let command = (["/usr/bin/env", "mpirun", "-np", "2", "--allow-run-as-root", JobRunner.exptrainBinary.path] + arguments)
                .map { "'\($0)'" }.joined(separator: " ")
            let result = try JobRunner.run("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], timeout: 120)
            XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
            return result.standardOutput
        }
        let common = ["cartpole-ppo", "--seed", "1", "--max-steps", "12000", "--output-dir", folder.path]
        let terminal = try inTerminal(common)
        XCTAssertTrue(terminal.contains("\rstep 8,192/") && terminal.contains("\u{1B}[K"), terminal.debugDescription)

        let plain = try inTerminal(common + ["--progress", "plain"])
        XCTAssertFalse(plain.contains("\u{1B}"), plain.debugDescription)
        // The terminal itself ends each line with "\r\n"; no other carriage return is allowed.
        XCTAssertFalse(plain.replacingOccurrences(of: "\r\n", with: "\n").contains("\r"), plain.debugDescription)
        XCTAssertGreaterThanOrEqual(plain.components(separatedBy: "\r\nstep ").count - 1, 2, plain.debugDescription)
    }
}
