import Foundation
import XCTest

/// The one run folder of `tag` under `output` (`<output>/<tag>/<start time>/`).
func runFolder(_ output: URL, tag: String) throws -> URL {
    let tagFolder = output.appendingPathComponent(tag)
    let runs = try FileManager.default.contentsOfDirectory(atPath: tagFolder.path)
    XCTAssertEqual(runs.count, 1, "expected one run folder in \(tagFolder.path), found \(runs)")
    return tagFolder.appendingPathComponent(try XCTUnwrap(runs.first))
}

/// The checkpoint files of a run folder, oldest first.
func checkpointFiles(_ run: URL) throws -> [URL] {
    let folder = run.appendingPathComponent("checkpoints")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".safetensors") }.sorted()
        .map { folder.appendingPathComponent($0) }
}

/// The word after `marker` on each `exptrain[r]: <marker>…` line of standard error.
func loggedValues(_ standardError: String, after marker: String) -> [String] {
    standardError.split(separator: "\n").compactMap { line in
        guard let range = line.range(of: "]: " + marker) else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }
}

/// `mpirun -np 2 exptrain-harness slot-probe --seed S --quiet --output-dir OUTPUT ARGUMENTS`,
/// checked to succeed; slot-probe logs every 512 steps and saves every 1,024.
@discardableResult
func trainSlotProbe(seed: Int, output: URL, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> JobResult {
    let result = try JobRunner.mpirun(
        np: 2, ["slot-probe", "--seed", String(seed), "--quiet", "--output-dir", output.path] + arguments,
        binary: JobRunner.harnessBinary)
    XCTAssertEqual(result.status, 0, result.standardError, file: file, line: line)
    return result
}
