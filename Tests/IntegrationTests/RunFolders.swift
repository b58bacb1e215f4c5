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
