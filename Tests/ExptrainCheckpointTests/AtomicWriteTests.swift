import ExptrainCheckpoint
import Foundation
import XCTest

final class AtomicWriteTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "exptrain-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: folder)
    }

    private func folderContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testWriteLeavesOnlyTheTargetFile() throws {
        let checkpoint = SafetensorsFile(tensors: [NamedTensor(name: "w", floats: [1, 2, 3])], metadata: ["tag": "t"])
        try checkpoint.write(to: folder + "/latest.safetensors")
        XCTAssertEqual(try folderContents(), ["latest.safetensors"])
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/latest.safetensors").map(Array.init), checkpoint.serialized())
    }

    func testWriteReplacesAnExistingFile() throws {
        let path = folder + "/latest.safetensors"
        try SafetensorsFile(tensors: [NamedTensor(name: "w", floats: Array(repeating: 0, count: 1000))]).write(to: path)
        let newer = SafetensorsFile(tensors: [NamedTensor(name: "w", floats: [7])], metadata: ["total_steps": "2"])
        try newer.write(to: path)
        XCTAssertEqual(try SafetensorsFile.read(from: path), newer)
        XCTAssertEqual(try folderContents(), ["latest.safetensors"])
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let path = folder + "/missing/latest.safetensors"
        XCTAssertThrowsError(try SafetensorsFile().write(to: path)) { error in
            XCTAssertEqual("\(error)", "cannot create a temporary file in \(self.folder)/missing to save \(path): No such file or directory")
        }
        XCTAssertEqual(try folderContents(), [])
    }

    func testRelativePathInTheCurrentFolder() throws {
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(previous)) }
        try SafetensorsFile(metadata: ["a": "b"]).write(to: "plain.safetensors")
        XCTAssertEqual(try SafetensorsFile.read(from: "plain.safetensors").metadata, ["a": "b"])
        XCTAssertEqual(try folderContents(), ["plain.safetensors"])
    }

    func testReadingAMissingFile() {
        let path = folder + "/nothing.safetensors"
        XCTAssertThrowsError(try SafetensorsFile.read(from: path)) { error in
            XCTAssertTrue(error is CheckpointFileError)
            XCTAssertEqual("\(error)", "cannot open checkpoint \(path): No such file or directory")
        }
    }

    func testReadingACorruptFileNamesThePath() throws {
        let path = folder + "/short.safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        XCTAssertThrowsError(try SafetensorsFile.read(from: path)) { error in
            XCTAssertEqual("\(error)", "checkpoint \(path) is truncated: it has 3 bytes, fewer than the 8-byte header length")
        }
    }
}
