import ExptrainCheckpoint
import XCTest

/// Byte-level agreement with the reference implementation (the Python `safetensors`
/// package, 0.8.0). The expected bytes come from
/// `python3 scripts/oracles/safetensors_reference.py golden`.
final class SafetensorsGoldenTests: XCTestCase {
    private static let referenceHex =
        "e0000000000000007b225f5f6d657461646174615f5f223a7b22746167223a2263617274706f6c65227d2c227374657073223a7b22"
        + "6474797065223a22493634222c227368617065223a5b315d2c22646174615f6f666673657473223a5b302c385d7d2c22706f6c69"
        + "63792e776569676874223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473"
        + "223a5b382c32345d7d2c226d61736b223a7b226474797065223a225538222c227368617065223a5b335d2c22646174615f6f6666"
        + "73657473223a5b32342c32375d7d7d202020202020202a000000000000000000803f000000c00000003f0000807f0100ff"

    private static var referenceBytes: [UInt8] { bytes(fromHex: referenceHex) }

    /// An empty tensor and metadata that needs escaping: quote, backslash, newline,
    /// tab, control characters, DEL and non-ASCII, which the reference leaves as UTF-8.
    private static let escapesHex =
        "78000000000000007b225f5f6d657461646174615f5f223a7b226e6f7465223a22715c2220625c5c205c6e5c745c75303030315c75"
        + "303031667f20c3a92ff09f9880227d2c2277223a7b226474797065223a22463634222c227368617065223a5b305d2c2264617461"
        + "5f6f666673657473223a5b302c305d7d7d202020202020"

    private static func bytes(fromHex text: String) -> [UInt8] {
        let hex = Array(text.utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    /// The reference writer orders tensors by element size, largest first; given that
    /// order, ours must produce the same bytes, space padding included.
    private let goldenFile = SafetensorsFile(
        tensors: [
            NamedTensor(name: "steps", int64s: [42]),
            NamedTensor(name: "policy.weight", shape: [2, 2], floats: [1, -2, 0.5, .infinity]),
            NamedTensor(name: "mask", uint8s: [1, 0, 255]),
        ],
        metadata: ["tag": "cartpole"])

    func testMatchesReferenceWriterByteForByte() {
        XCTAssertEqual(goldenFile.serialized(), Self.referenceBytes)
    }

    func testReadsReferenceFile() throws {
        let file = try SafetensorsFile(bytes: Self.referenceBytes)
        XCTAssertEqual(file, goldenFile)
        XCTAssertEqual(try file.tensor(named: "policy.weight")?.floats(), [1, -2, 0.5, .infinity])
        XCTAssertEqual(file.tensor(named: "policy.weight")?.shape, [2, 2])
        XCTAssertEqual(try file.tensor(named: "steps")?.int64s(), [42])
        XCTAssertEqual(try file.tensor(named: "mask")?.uint8s(), [1, 0, 255])
        XCTAssertEqual(file.metadata, ["tag": "cartpole"])
    }

    func testEscapesMetadataLikeTheReferenceWriter() throws {
        let file = SafetensorsFile(tensors: [NamedTensor(name: "w", doubles: [])],
                                   metadata: ["note": "q\" b\\ \n\t\u{01}\u{1F}\u{7F} é/😀"])
        XCTAssertEqual(file.serialized(), Self.bytes(fromHex: Self.escapesHex))
        XCTAssertEqual(try SafetensorsFile(bytes: Self.bytes(fromHex: Self.escapesHex)), file)
    }
}
