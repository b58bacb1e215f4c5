@testable import ExptrainMetricsLog
import Foundation
import XCTest

/// When progress rewrites its line: only for a person at a terminal, never into a batch
/// log, including the one `mpirun … > log` writes while each rank sees a pseudo-terminal.
final class OutputDestinationTests: XCTestCase {
    func testAutoRewritesOnlyWhenEveryHopIsATerminal() {
        let cases: [(terminal: Bool, launcher: OutputDestination.Launcher, rewrites: Bool)] = [
            (true, .none, true),
            (false, .none, false),
            (true, .found(outputIsTerminal: true), true),
            (true, .found(outputIsTerminal: false), false),
            (false, .found(outputIsTerminal: true), false),
            (true, .unknown, false),
            (false, .unknown, false),
        ]
        for (terminal, launcher, rewrites) in cases {
            let destination = OutputDestination(standardOutputIsTerminal: terminal, launcher: launcher)
            XCTAssertEqual(ProgressMode.auto.rewritesInPlace(for: destination), rewrites, "\(destination)")
            XCTAssertTrue(ProgressMode.line.rewritesInPlace(for: destination), "line is what was asked for")
            XCTAssertFalse(ProgressMode.plain.rewritesInPlace(for: destination), "plain is what was asked for")
        }
    }

    func testLauncherIsTheNearestMPIAncestorAndItsOutput() throws {
        let processes = try fakeProcesses([
            (pid: 40, name: "exptrain", parent: 30, output: "/dev/pts/4"),
            (pid: 30, name: "mpirun", parent: 20, output: "/scratch/job-17.out"),
            (pid: 20, name: "bash", parent: 1, output: "/dev/pts/4"),
            (pid: 1, name: "init", parent: 0, output: "/dev/null"),
        ])
        XCTAssertEqual(OutputDestination.launcher(of: 40, processes: processes, startedByMPI: true), .found(outputIsTerminal: false))

        let interactive = try fakeProcesses([
            (pid: 41, name: "exptrain", parent: 31, output: "/dev/pts/4"),
            (pid: 31, name: "prterun", parent: 1, output: "/dev/pts/4"),
        ])
        XCTAssertEqual(OutputDestination.launcher(of: 41, processes: interactive, startedByMPI: true), .found(outputIsTerminal: true))
        let console = try fakeProcesses([(pid: 42, name: "exptrain", parent: 32, output: "/dev/pts/0"), (pid: 32, name: "mpiexec", parent: 1, output: "/dev/tty1")])
        XCTAssertEqual(OutputDestination.launcher(of: 42, processes: console, startedByMPI: true), .found(outputIsTerminal: true))
    }

    func testNoLauncherIsNoneUnlessTheEnvironmentSaysMPIStartedUs() throws {
        let processes = try fakeProcesses([
            (pid: 50, name: "exptrain", parent: 20, output: "/dev/pts/1"),
            (pid: 20, name: "zsh", parent: 1, output: "/dev/pts/1"),
            (pid: 1, name: "systemd", parent: 0, output: "/dev/null"),
        ])
        XCTAssertEqual(OutputDestination.launcher(of: 50, processes: processes, startedByMPI: false), .none)
        XCTAssertEqual(OutputDestination.launcher(of: 50, processes: processes, startedByMPI: true), .unknown)
        // No /proc at all (another system): only the environment can tell.
        let empty = try makeTemporaryFolder(for: self)
        XCTAssertEqual(OutputDestination.launcher(of: 50, processes: empty, startedByMPI: false), .none)
        XCTAssertEqual(OutputDestination.launcher(of: 50, processes: empty, startedByMPI: true), .unknown)
    }

    func testALauncherWhoseOutputCannotBeReadCountsAsUnknown() throws {
        let processes = try fakeProcesses([(pid: 60, name: "exptrain", parent: 61, output: "/dev/pts/2"), (pid: 61, name: "orterun", parent: 1, output: nil)])
        XCTAssertEqual(OutputDestination.launcher(of: 60, processes: processes, startedByMPI: true), .unknown)
    }

    func testAParentCycleEnds() throws {
        let processes = try fakeProcesses([(pid: 70, name: "a", parent: 71, output: nil), (pid: 71, name: "b", parent: 70, output: nil)])
        XCTAssertEqual(OutputDestination.launcher(of: 70, processes: processes, startedByMPI: false), .none)
    }

    func testStatNamesMayHoldSpacesAndParentheses() throws {
        let folder = try makeTemporaryFolder(for: self)
        try FileManager.default.createDirectory(atPath: "\(folder)/9", withIntermediateDirectories: true)
        try "9 (my (odd) name) S 4 9 9 0 -1\n".write(toFile: "\(folder)/9/stat", atomically: true, encoding: .utf8)
        let entry = try XCTUnwrap(OutputDestination.processNameAndParent(of: 9, processes: folder))
        XCTAssertEqual(entry.name, "my (odd) name")
        XCTAssertEqual(entry.parent, 4)
    }

    func testThisProcessCanBeWalked() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/proc/self/stat"), "no /proc here")
        let entry = try XCTUnwrap(OutputDestination.processNameAndParent(of: getpid(), processes: "/proc"))
        XCTAssertEqual(entry.parent, getppid())
    }

    func testTerminalDevices() {
        XCTAssertEqual(["/dev/pts/3", "/dev/tty1", "/dev/ttyS0", "/dev/console", "/dev/null", "/tmp/log", "pipe:[1234]", "socket:[99]"]
            .map(OutputDestination.isTerminalDevice), [true, true, true, true, false, false, false, false])
    }

    /// A `/proc`-like folder: `<pid>/stat` and, when `output` is given, `<pid>/fd/1` linking to it.
    private func fakeProcesses(_ entries: [(pid: Int32, name: String, parent: Int32, output: String?)]) throws -> String {
        let root = try makeTemporaryFolder(for: self)
        for entry in entries {
            let folder = "\(root)/\(entry.pid)"
            try FileManager.default.createDirectory(atPath: "\(folder)/fd", withIntermediateDirectories: true)
            try "\(entry.pid) (\(entry.name)) S \(entry.parent) \(entry.pid) \(entry.pid) 34816 -1 4194560\n"
                .write(toFile: "\(folder)/stat", atomically: true, encoding: .utf8)
            if let output = entry.output {
                try FileManager.default.createSymbolicLink(atPath: "\(folder)/fd/1", withDestinationPath: output)
            }
        }
        return root
    }
}
