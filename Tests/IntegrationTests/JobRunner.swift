import Foundation
import XCTest

/// What a finished (or killed) command left behind.
struct JobResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var seconds: Double
    var timedOut: Bool
    /// Seconds from the start to the moment the requested signal was sent, if it was.
    var signalSeconds: Double? = nil

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

/// Who gets a job's signal: `mpirun` itself, or one rank (found among mpirun's children
/// by its `OMPI_COMM_WORLD_RANK`).
enum SignalTarget: Equatable {
    case launcher
    case rank(Int)
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
    /// is sent to `target` once its condition holds (checked every 20 ms).
    static func mpirun(
        np: Int, _ arguments: [String], binary: URL = exptrainBinary, timeout: Double = 120,
        signal: (number: Int32, when: () -> Bool)? = nil, target: SignalTarget = .launcher,
        environment: [String: String?] = [:]
    ) throws -> JobResult {
        var mpiArguments = ["-np", String(np), "--allow-run-as-root"]
        if np > ProcessInfo.processInfo.activeProcessorCount {
            mpiArguments.append("--oversubscribe")
        }
        return try run(
            "/usr/bin/env", ["mpirun"] + mpiArguments + [binary.path] + arguments, timeout: timeout, signal: signal, target: target,
            environment: environment)
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

    /// Runs a command with a clean MPI environment and kills it after `timeout` seconds;
    /// `environment` sets (a value) or removes (`nil`) variables of the test's own.
    static func run(
        _ executable: String, _ arguments: [String], timeout: Double, signal: (number: Int32, when: () -> Bool)? = nil,
        target: SignalTarget = .launcher, environment: [String: String?] = [:]
    ) throws -> JobResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // The test process itself is an MPI singleton; its OMPI_/PMIX_ variables
        // would make a child mpirun believe it runs inside another job.
        var variables = ProcessInfo.processInfo.environment.filter { key, _ in
            !(key.hasPrefix("OMPI_") || key.hasPrefix("PMIX_") || key.hasPrefix("OPAL_"))
        }
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
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
        var signalSeconds: Double?
        while process.isRunning {
            if let (number, condition) = pendingSignal, condition() {
                let pid: pid_t? = switch target {
                case .launcher: process.processIdentifier
                case .rank(let rank): rankProcess(rank, childOf: process.processIdentifier)
                }
                if let pid {
                    kill(pid, number)
                    signalSeconds = Date().timeIntervalSince(start)
                    pendingSignal = nil
                }
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
            timedOut: timedOut,
            signalSeconds: signalSeconds)
    }

    /// The process of MPI rank `rank` among `parent`'s children (mpirun starts the ranks
    /// of its own node itself), or `nil` while it has not started.
    static func rankProcess(_ rank: Int, childOf parent: pid_t) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  // The parent is the second field after the command, which is in parentheses.
                  let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 1,
                  pid_t(fields[1]) == parent,
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
            else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}
