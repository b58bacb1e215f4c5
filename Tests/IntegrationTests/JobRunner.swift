import Foundation
import XCTest

/// What a finished (or killed) command left behind.
struct JobResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var seconds: Double
    var timedOut: Bool

    /// Standard output's lines that are JSON objects, decoded.
    func jsonLines() throws -> [[String: Any]] {
        try decodeJSONLines(standardOutput.split(separator: "\n").filter { $0.hasPrefix("{") })
    }
}

/// The JSON objects of a JSON-lines file (`metrics.jsonl`, a rollout), one per line.
func jsonLines(in file: URL) throws -> [[String: Any]] {
    try decodeJSONLines(String(contentsOf: file, encoding: .utf8).split(separator: "\n"))
}

private func decodeJSONLines(_ lines: [Substring]) throws -> [[String: Any]] {
    try lines.map { line in
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
    }
}

/// Runs the built `exptrain` binary, alone or under a real `mpirun`.
enum JobRunner {
    /// The `exptrain` built next to this test bundle, unless `EXPTRAIN_BINARY` names another.
    static var exptrainBinary: URL {
        if let path = ProcessInfo.processInfo.environment["EXPTRAIN_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        return builtProduct("exptrain")
    }

    /// The command line with the test-only `slot-probe` experiment added (Tests/Harness).
    static var harnessBinary: URL { builtProduct("exptrain-harness") }

    private static func builtProduct(_ name: String) -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent(name)
    }

    /// `mpirun -np <np> [--oversubscribe] <binary> <arguments>`; `signal`, when given,
    /// is sent to `mpirun` once its condition holds (checked every 20 ms).
    static func mpirun(
        np: Int, _ arguments: [String], binary: URL = exptrainBinary, timeout: Double = 120,
        signal: (number: Int32, when: () -> Bool)? = nil
    ) throws -> JobResult {
        var mpiArguments = ["-np", String(np), "--allow-run-as-root"]
        if np > ProcessInfo.processInfo.activeProcessorCount {
            mpiArguments.append("--oversubscribe")
        }
        return try run("/usr/bin/env", ["mpirun"] + mpiArguments + [binary.path] + arguments, timeout: timeout, signal: signal)
    }

    /// `exptrain <arguments>` as an MPI singleton.
    static func exptrain(_ arguments: [String], binary: URL = exptrainBinary, timeout: Double = 60) throws -> JobResult {
        try run(binary.path, arguments, timeout: timeout)
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(for test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exptrain-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Runs a command with a clean MPI environment and kills it after `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], timeout: Double, signal: (number: Int32, when: () -> Bool)? = nil
    ) throws -> JobResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // The test process itself is an MPI singleton; its OMPI_/PMIX_ variables
        // would make a child mpirun believe it runs inside another job.
        process.environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !(key.hasPrefix("OMPI_") || key.hasPrefix("PMIX_") || key.hasPrefix("OPAL_"))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exptrain-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout")
        let errURL = folder.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let start = Date()
        try process.run()
        let deadline = start.addingTimeInterval(timeout)
        var timedOut = false
        var pendingSignal = signal
        while process.isRunning {
            if let (number, condition) = pendingSignal, condition() {
                kill(process.processIdentifier, number)
                pendingSignal = nil
            }
            if Date() > deadline {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 2)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return JobResult(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: outURL, encoding: .utf8),
            standardError: try String(contentsOf: errURL, encoding: .utf8),
            seconds: seconds,
            timedOut: timedOut)
    }
}
