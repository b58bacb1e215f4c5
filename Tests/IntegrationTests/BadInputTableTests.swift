import Foundation
import XCTest

/// The bad-input table, docs/bad-inputs.md: every row is run here against the built
/// exptrain (under `mpirun` when its ranks column says more than 1), and must end with
/// the row's exit code, its one error line containing the row's text, no crash and no
/// hang. The table is the test's data, so the README's promise and the behaviour cannot
/// drift apart.
///
/// A row's command may start with `VARIABLE=value` assignments, and may name fixtures in
/// braces: `{out}` (an empty folder), `{file}` (a regular file), `{empty}`, `{text}`,
/// `{cartpole}` and `{acrobot}` (checkpoints of short runs), `{truncated}` (the first 100
/// bytes of `{cartpole}`), `{acrobot-as-cartpole}` (acrobot's parameters labelled
/// cartpole-ppo), `{stage-minus-1}`, `{stage-99}`, `{world-abc}` (`{cartpole}` with that
/// metadata), `{test-envs}` (the Gymnasium test environments' folder). Rows of kind
/// `env id (Gymnasium)` need a Python with Gymnasium (`EXPTRAIN_PYTHON`); without one they
/// are skipped unless `EXPTRAIN_REQUIRE_GYMNASIUM` is set; the row that needs a Python
/// without Gymnasium uses `/usr/bin/python3`, and is skipped where that has Gymnasium.
final class BadInputTableTests: XCTestCase {
    struct Row {
        let number: Int
        let kind: String
        let ranks: Int
        let command: String
        let exitCode: Int32
        let expected: String
    }

    struct MalformedRow: Error {
        let line: String
    }

    static let tablePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/bad-inputs.md")
    private static let testEnvironments = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("GymnasiumEnvironments").path

    /// The rows of the markdown table: `| # | kind | ranks | `command` | exit | `text` |`.
    static func rows() throws -> [Row] {
        let text = try String(contentsOf: tablePath, encoding: .utf8)
        return try text.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.dropFirst(2).first?.isNumber == true }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            func code(_ cell: String) -> String {
                cell.hasPrefix("`") && cell.hasSuffix("`") ? String(cell.dropFirst().dropLast()) : cell
            }
            guard cells.count == 6, let number = Int(cells[0]), let ranks = Int(cells[2]), let exitCode = Int32(cells[4]) else {
                throw MalformedRow(line: String(line))
            }
            return Row(number: number, kind: cells[1], ranks: ranks, command: code(cells[3]), exitCode: exitCode, expected: code(cells[5]))
        }
    }

    func testTheTableHasAtLeastFortyNumberedRows() throws {
        let rows = try Self.rows()
        XCTAssertGreaterThanOrEqual(rows.count, 40)
        XCTAssertEqual(rows.map(\.number), Array(1...rows.count), "rows are numbered 1, 2, 3, … in order")
        XCTAssertTrue(rows.allSatisfy { $0.command.hasPrefix("exptrain") || $0.command.contains(" exptrain") }, "every command runs exptrain")
    }

    func testEveryRowEndsWithItsExitCodeAndOneLine() throws {
        let fixtures = try makeFixtures()
        let gymnasium = hasGymnasium()
        for row in try Self.rows() {
            if row.kind.contains("(Gymnasium)") && !gymnasium {
                XCTAssertNil(ProcessInfo.processInfo.environment["EXPTRAIN_REQUIRE_GYMNASIUM"], "row \(row.number) needs Gymnasium (EXPTRAIN_PYTHON)")
                continue
            }
            if row.kind.contains("(system Python without Gymnasium)"),
               (try? JobRunner.run("/usr/bin/python3", ["-c", "import gymnasium"], timeout: 60))?.status == 0 {
                continue
            }
            var words = row.command.split(separator: " ").map { fixtures.substitute(String($0)) }
            var assignments: [(String, String)] = []
            while let first = words.first, first != "exptrain", let equals = first.firstIndex(of: "=") {
                assignments.append((String(first[..<equals]), String(first[first.index(after: equals)...])))
                words.removeFirst()
            }
            XCTAssertEqual(words.first, "exptrain", "row \(row.number)")
            let arguments = Array(words.dropFirst())
            let saved = assignments.map { ($0.0, ProcessInfo.processInfo.environment[$0.0]) }
            for (name, value) in assignments { setenv(name, value, 1) }
            defer { for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } } }
            let result = row.ranks > 1
                ? try JobRunner.mpirun(np: row.ranks, arguments, timeout: 120)
                : try JobRunner.exptrain(arguments, timeout: 60)
            let context = "row \(row.number) (\(row.command)): exit \(result.status), stderr:\n\(result.standardError)"
            XCTAssertFalse(result.timedOut, context)
            XCTAssertEqual(result.status, row.exitCode, context)
            // Informational lines are `exptrain[rank]: …`; the rest is the error, one line
            // per rank that saw it (under mpirun, after `mpirun`'s own words on MPI_Abort).
            let lines = result.standardError.split(separator: "\n").filter { !$0.hasPrefix("exptrain[") }
            let errorLines = row.ranks > 1 ? lines.filter { $0.hasPrefix("exptrain: ") } : lines
            if row.exitCode == 0 {
                XCTAssertTrue(result.standardError.contains(fixtures.substitute(row.expected)), context)
            } else {
                XCTAssertTrue((1...row.ranks).contains(errorLines.count), context)
                XCTAssertTrue(errorLines.first?.contains(fixtures.substitute(row.expected)) == true, context)
            }
            for marker in ["Fatal error", "Backtrace", "Crashed", "Segmentation fault", "Illegal instruction"] {
                XCTAssertFalse(result.standardError.contains(marker), context)
            }
        }
    }

    /// Whether the Python the bridge would start has Gymnasium.
    private func hasGymnasium() -> Bool {
        let python = ProcessInfo.processInfo.environment["EXPTRAIN_PYTHON"] ?? "python3"
        let result = try? JobRunner.run("/usr/bin/env", [python, "-c", "import gymnasium"], timeout: 60)
        return result?.status == 0
    }

    struct Fixtures {
        var paths: [String: String]
        func substitute(_ word: String) -> String {
            paths.reduce(word) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        }
    }

    private func makeFixtures() throws -> Fixtures {
        let folder = try JobRunner.temporaryFolder(for: self)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let runs = path("runs")
        var paths = ["out": path("out"), "file": path("file"), "empty": path("empty"), "text": path("text"), "test-envs": Self.testEnvironments]
        try FileManager.default.createDirectory(atPath: paths["out"]!, withIntermediateDirectories: true)
        try Data("a regular file\n".utf8).write(to: URL(fileURLWithPath: paths["file"]!))
        try Data().write(to: URL(fileURLWithPath: paths["empty"]!))
        try Data("this is not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: paths["text"]!))
        for (tag, steps) in [("cartpole-ppo", "512"), ("acrobot-ppo", "256")] {
            let result = try JobRunner.exptrain([tag, "--max-steps", steps, "--seed", "1", "--quiet", "--output-dir", runs])
            XCTAssertEqual(result.status, 0, result.standardError)
            let run = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: "\(runs)/\(tag)").first)
            let checkpoint = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: "\(runs)/\(tag)/\(run)/checkpoints").first)
            paths[String(tag.prefix { $0 != "-" })] = "\(runs)/\(tag)/\(run)/checkpoints/\(checkpoint)"
        }
        let cartpole = try Data(contentsOf: URL(fileURLWithPath: paths["cartpole"]!))
        paths["truncated"] = path("truncated.safetensors")
        try cartpole.prefix(100).write(to: URL(fileURLWithPath: paths["truncated"]!))
        for (name, source, key, value) in [
            ("acrobot-as-cartpole", "acrobot", "tag", "cartpole-ppo"), ("stage-minus-1", "cartpole", "stage_index", "-1"),
            ("stage-99", "cartpole", "stage_index", "99"), ("world-abc", "cartpole", "world_size", "abc"),
        ] {
            paths[name] = path("\(name).safetensors")
            try rewriteMetadata(of: paths[source]!, to: paths[name]!, key: key, value: value)
        }
        return Fixtures(paths: paths)
    }

    /// Copies the safetensors file at `source` to `destination` with one metadata entry
    /// changed (the tensors' data untouched, the header re-padded to 8 bytes).
    private func rewriteMetadata(of source: String, to destination: String, key: String, value: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        var metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        metadata[key] = value
        header["__metadata__"] = metadata
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) }
        try Data(length + json + bytes[(8 + headerLength)...]).write(to: URL(fileURLWithPath: destination))
    }
}
