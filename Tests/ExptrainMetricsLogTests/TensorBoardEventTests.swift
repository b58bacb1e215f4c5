import ExptrainIO
@testable import ExptrainMetricsLog
import Foundation
import XCTest

/// Event encodings checked byte by byte against protobuf bytes worked out by hand
/// from the wire format (key = field << 3 | wire type).
final class TensorBoardEventTests: XCTestCase {
    func testFileVersionEvent() {
        XCTAssertEqual(TensorBoardEvent.fileVersionEvent(wallTime: 1.0),
                       [0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F]  // 1: wall_time, double 1.0
                           + [0x1A, 0x0D] + Array("brain.Event:2".utf8))      // 3: file_version, 13 bytes
    }

    func testScalarEvent() {
        let summaryValue: [UInt8] = [0x0A, 0x04] + Array("loss".utf8)    // Value.tag
            + [0x15, 0x00, 0x00, 0x00, 0x3F]                              // Value.simple_value = 0.5f
        let summary: [UInt8] = [0x0A, UInt8(summaryValue.count)] + summaryValue  // Summary.value
        let expected: [UInt8] = [0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40]  // wall_time 2.0
            + [0x10, 0xAC, 0x02]                                          // step 300 as a varint
            + [0x2A, UInt8(summary.count)] + summary                      // 5: summary
        XCTAssertEqual(TensorBoardEvent.scalarsEvent([("loss", 0.5)], step: 300, wallTime: 2.0), expected)
    }

    /// The event is written in place with lengths worked out first; it must equal the
    /// nesting of separately encoded messages, also where a length needs a second varint
    /// byte (tags of 127 and 128 bytes, a summary over 127 bytes) and through a kept encoder.
    func testInPlaceEventEqualsNestedMessages() {
        func nested(_ scalars: [(tag: String, value: Double)], step: Int, wallTime: Double) -> [UInt8] {
            var summary = ProtobufEncoder()
            for (tag, value) in scalars {
                var summaryValue = ProtobufEncoder()
                summaryValue.appendString(field: 1, tag)
                summaryValue.appendFloat(field: 2, Float(value))
                summary.appendMessage(field: 1, summaryValue)
            }
            var event = ProtobufEncoder()
            event.appendDouble(field: 1, wallTime)
            event.appendInt64(field: 2, Int64(step))
            event.appendMessage(field: 5, summary)
            return event.bytes
        }
        let cases: [[(tag: String, value: Double)]] = [
            [], [("loss", 0.5)], [(String(repeating: "a", count: 127), 1)], [(String(repeating: "b", count: 128), -2), ("é😀", .nan)],
            (0..<40).map { ("train/metric_\($0)", Double($0) * 0.1) }, [(String(repeating: "c", count: 20_000), 3)],
        ]
        var kept = ProtobufEncoder()
        for (index, scalars) in cases.enumerated() {
            let expected = nested(scalars, step: index * 1_000_003, wallTime: 1_764_410_400.5 + Double(index))
            XCTAssertEqual(TensorBoardEvent.scalarsEvent(scalars, step: index * 1_000_003, wallTime: 1_764_410_400.5 + Double(index)), expected)
            kept.removeAll()
            TensorBoardEvent.appendScalarsEvent(scalars, step: index * 1_000_003, wallTime: 1_764_410_400.5 + Double(index), to: &kept)
            XCTAssertEqual(kept.bytes, expected)
        }
    }

    func testNegativeStepTakesTenVarintBytes() {
        let event = TensorBoardEvent.scalarsEvent([], step: -1, wallTime: 0)
        XCTAssertEqual(Array(event[9...]), [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x2A, 0x00])
    }

    func testRecordFraming() {
        let data = TensorBoardEvent.fileVersionEvent(wallTime: 1.0)
        XCTAssertEqual(tfRecord(data),
                       [24, 0, 0, 0, 0, 0, 0, 0, 0xA3, 0x7F, 0x4B, 0x22] + data + [0x86, 0xBF, 0x57, 0x7A])
    }

    func testWriterProducesNamedFileOfRecords() throws {
        let folder = temporaryFolder()
        let writer = try TensorBoardWriter(directory: folder + "/tb", startTime: 1_764_410_400.25, hostname: "node7")
        try writer.add(scalars: [("loss", 0.5)], step: 300, wallTime: 2.0)
        try writer.add(scalars: [("a", 1)], step: 301, wallTime: 2.5)
        try writer.flush()
        writer.close()

        XCTAssertEqual(writer.path, folder + "/tb/events.out.tfevents.1764410400.node7")
        let contents = try XCTUnwrap(FileManager.default.contents(atPath: writer.path))
        XCTAssertEqual(Array(contents),
                       tfRecord(TensorBoardEvent.fileVersionEvent(wallTime: 1_764_410_400.25))
                           + tfRecord(TensorBoardEvent.scalarsEvent([("loss", 0.5)], step: 300, wallTime: 2.0))
                           + tfRecord(TensorBoardEvent.scalarsEvent([("a", 1)], step: 301, wallTime: 2.5)))
        XCTAssertThrowsError(try writer.add(scalars: [("loss", 1)], step: 301, wallTime: 3)) { error in
            XCTAssertEqual("\(error)", "cannot write \(writer.path): it was already closed")
        }
    }

    func testEachPointIsInTheFileBeforeAddReturns() throws {
        let writer = try TensorBoardWriter(directory: temporaryFolder(), startTime: 10, hostname: "h")
        defer { writer.close() }
        let sizeAfterHeader = try XCTUnwrap(FileManager.default.contents(atPath: writer.path)).count
        try writer.add(scalars: [("a", 1)], step: 1, wallTime: 11)
        XCTAssertGreaterThan(try XCTUnwrap(FileManager.default.contents(atPath: writer.path)).count, sizeAfterHeader)
    }

    func testSecondWriterInTheSameSecondGetsItsOwnFile() throws {
        let folder = temporaryFolder()
        let first = try TensorBoardWriter(directory: folder, startTime: 10, hostname: "h")
        let second = try TensorBoardWriter(directory: folder, startTime: 10, hostname: "h")
        XCTAssertEqual([first.path, second.path], [folder + "/events.out.tfevents.10.h", folder + "/events.out.tfevents.10.h.1"])
    }

    /// Writes a small run of curves. With `EXPTRAIN_ORACLE_OUTPUT` set to a folder the
    /// event file stays there for `scripts/oracles/tensorboard_check.py FOLDER`, which
    /// reads it with TensorBoard's own EventAccumulator.
    func testOracleEventFile() throws {
        let folder = ProcessInfo.processInfo.environment["EXPTRAIN_ORACLE_OUTPUT"].map { $0 + "/tensorboard" } ?? temporaryFolder()
        let writer = try TensorBoardWriter(directory: folder, startTime: 1_764_410_400, hostname: "oracle")
        for step in stride(from: 1000, through: 3000, by: 1000) {
            try writer.add(scalars: [("train/return", Double(step) / 10), ("train/success", 0.25), ("loss/value", -1.5)],
                           step: step, wallTime: 1_764_410_400 + Double(step) / 1000)
        }
        writer.close()
        let contents = try XCTUnwrap(FileManager.default.contents(atPath: writer.path))
        XCTAssertEqual(Array(contents.prefix(40)), tfRecord(TensorBoardEvent.fileVersionEvent(wallTime: 1_764_410_400)))
    }

    private func temporaryFolder() -> String {
        let folder = NSTemporaryDirectory() + "exptrain-tensorboard-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }
}
