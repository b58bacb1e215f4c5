import ExptrainIO
@testable import ExptrainMetricsLog
import Foundation
import XCTest

final class MetricsJSONLWriterTests: XCTestCase {
    func testValuesAreWrittenAsJSON() {
        let record: [(String, MetricValue)] = [
            ("step", 123_456), ("return", 212.4), ("tag", "cart\"pole\n"), ("done", true), ("success", nil),
        ]
        XCTAssertEqual(MetricsJSONLWriter.line(for: record),
                       #"{"step":123456,"return":212.4,"tag":"cart\"pole\n","done":true,"success":null}"#)
    }

    func testKeysKeepTheirOrder() {
        XCTAssertEqual(MetricsJSONLWriter.line(for: [("z", 1), ("a", 2), ("m", 3)]), #"{"z":1,"a":2,"m":3}"#)
        XCTAssertEqual(MetricsJSONLWriter.line(for: []), "{}")
    }

    /// Shortest round-trip text, so reading the line back gives the same Double.
    func testNumbersRoundTrip() {
        let values: [Double] = [0.1, 1.0 / 3.0, 1e-5, 1e300, -0.0, .leastNonzeroMagnitude, 100, .greatestFiniteMagnitude, 0.1 + 0.2]
        XCTAssertEqual(values.map { MetricValue.number($0).jsonText },
                       ["0.1", "0.3333333333333333", "1e-05", "1e+300", "-0.0", "5e-324", "100.0", "1.7976931348623157e+308", "0.30000000000000004"])
        for value in values {
            XCTAssertEqual(Double(MetricValue.number(value).jsonText)?.bitPattern, value.bitPattern)
        }
        XCTAssertEqual(MetricValue.integer(.min).jsonText, "-9223372036854775808")
    }

    /// The line is built as bytes in a reused buffer; it must be the text the String
    /// formula gives (quoted keys, `description` of each finite Double, `String` of each Int).
    func testLineBytesEqualTheStringFormula() {
        var generator = SystemRandomNumberGenerator()
        var doubles: [Double] = [0, -0.0, 1e16, 1e-7, 123456789.125, .ulpOfOne, -.leastNormalMagnitude, .pi, 1 / 3.0, 82234.11127953668]
        doubles += (0..<500).map { _ in Double(bitPattern: generator.next()) }.filter(\.isFinite)
        let keys = ["episode_return_mean100", "é😀", "a\u{01}\u{1F}\u{7F}b", "q\"\\\t\r\n\u{08}\u{0C}", ""]
        for (index, value) in doubles.enumerated() {
            let key = keys[index % keys.count]
            let integer = Int(truncatingIfNeeded: value.bitPattern)
            let record: [(String, MetricValue)] = [(key, .number(value)), ("i", .integer(integer)), ("s", .string(key)), ("b", false)]
            let expected = "{" + jsonQuoted(key) + ":" + value.description + ",\"i\":" + String(integer) + ",\"s\":" + jsonQuoted(key) + ",\"b\":false}"
            XCTAssertEqual(MetricsJSONLWriter.line(for: record), expected)
        }
        XCTAssertEqual(jsonQuoted("a\u{01}\u{1F}\u{7F}é"), "\"a\\u0001\\u001f\u{7F}é\"")
    }

    func testNonFiniteNumbersBecomeNull() {
        XCTAssertEqual(MetricsJSONLWriter.line(for: [("a", .number(.nan)), ("b", .number(.infinity)), ("c", .number(-.infinity))]),
                       #"{"a":null,"b":null,"c":null}"#)
    }

    func testControlCharactersAreEscaped() {
        XCTAssertEqual(MetricValue.string("tab\tbell\u{07}é😀\\").jsonText, #""tab\tbell\u0007é😀\\""#)
    }

    func testEachWriteAppendsOneLineToTheFile() throws {
        let path = NSTemporaryDirectory() + "exptrain-metrics-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }

        let writer = try MetricsJSONLWriter(path: path)
        try writer.write([("step", 1), ("loss", 0.5)])
        XCTAssertEqual(String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: path)), as: UTF8.self),
                       "{\"step\":1,\"loss\":0.5}\n")
        try writer.write([("step", 2), ("loss", 0.25)])
        writer.close()

        let resumed = try MetricsJSONLWriter(path: path)
        try resumed.write([("step", 3), ("loss", 0.125)])
        resumed.close()
        XCTAssertEqual(String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: path)), as: UTF8.self),
                       "{\"step\":1,\"loss\":0.5}\n{\"step\":2,\"loss\":0.25}\n{\"step\":3,\"loss\":0.125}\n")
    }

    func testUnwritablePathIsAClearError() {
        let path = NSTemporaryDirectory() + "exptrain-missing-\(UUID().uuidString)/metrics.jsonl"
        XCTAssertThrowsError(try MetricsJSONLWriter(path: path)) { error in
            XCTAssertEqual("\(error)", "cannot create \(path): No such file or directory")
        }
    }
}
