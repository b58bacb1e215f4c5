import ExptrainCheckpoint
import Foundation
import XCTest

final class SafetensorsRoundTripTests: XCTestCase {
    /// One tensor of each typed kind with the values that break careless code: signed
    /// zeros, infinities, NaNs with payloads, subnormals and integer extremes. The
    /// Python oracle checks the same values (`every_type_tensors`).
    static let everyType = SafetensorsFile(
        tensors: [
            NamedTensor(name: "floats", floats: [0, -0.0, 1.5, -3.25, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]),
            NamedTensor(name: "doubles", shape: [2, 3], doubles: [0, -0.0, 1e-300, .infinity, -.infinity, 2.5]),
            NamedTensor(name: "int64s", int64s: [0, -1, .min, .max]),
            NamedTensor(name: "uint64s", uint64s: [0, 1, .max]),
            NamedTensor(name: "uint8s", uint8s: [0, 7, 255]),
            NamedTensor(name: "scalar", shape: [], doubles: [3]),
        ],
        metadata: ["tag": "cartpole", "total_steps": "500000", "note": "quote \" and\nnewline, é"])

    func testEveryTypeRoundTripsBitExactly() throws {
        let restored = try SafetensorsFile(bytes: Self.everyType.serialized())
        XCTAssertEqual(restored, Self.everyType)
        XCTAssertEqual(restored.tensors.map(\.name), ["floats", "doubles", "int64s", "uint64s", "uint8s", "scalar"])

        let floats = try XCTUnwrap(restored.tensor(named: "floats")).floats()
        XCTAssertEqual(floats.map(\.bitPattern), Self.everyType.tensors[0].bytesAsFloatBits)
        XCTAssertEqual(try restored.tensor(named: "doubles")?.doubles().map(\.bitPattern),
                       [0, -0.0, 1e-300, .infinity, -.infinity, 2.5].map { (value: Double) in value.bitPattern })
        XCTAssertEqual(try restored.tensor(named: "int64s")?.int64s(), [0, -1, .min, .max])
        XCTAssertEqual(try restored.tensor(named: "uint64s")?.uint64s(), [0, 1, .max])
        XCTAssertEqual(try restored.tensor(named: "scalar")?.doubles(), [3])
        XCTAssertEqual(restored.tensor(named: "scalar")?.shape, [])
        XCTAssertEqual(restored.metadata["note"], "quote \" and\nnewline, é")
    }

    func testNaNPayloadsAndSignalingNaNsSurvive() throws {
        let payloads: [Float] = [Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFF80_0001), Float(bitPattern: 0x7FBF_FFFF)]
        let doublePayload = Double(bitPattern: 0x7FF0_0000_0000_0001)
        let file = SafetensorsFile(tensors: [
            NamedTensor(name: "f", floats: payloads),
            NamedTensor(name: "d", doubles: [doublePayload]),
        ])
        let restored = try SafetensorsFile(bytes: file.serialized())
        XCTAssertEqual(try restored.tensors[0].floats().map(\.bitPattern), [0x7FC0_0001, 0xFF80_0001, 0x7FBF_FFFF])
        XCTAssertEqual(try restored.tensors[1].doubles().map(\.bitPattern), [0x7FF0_0000_0000_0001])
    }

    func testTensorBytesAreLittleEndian() {
        XCTAssertEqual(NamedTensor(name: "x", floats: [1]).bytes, [0x00, 0x00, 0x80, 0x3F])
        XCTAssertEqual(NamedTensor(name: "x", int64s: [-2]).bytes, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(NamedTensor(name: "x", uint64s: [0x0102_0304_0506_0708]).bytes, [8, 7, 6, 5, 4, 3, 2, 1])
    }

    func testUntypedElementTypesKeepTheirBytes() throws {
        let tensors = TensorElementType.allCases.map { type in
            NamedTensor(name: type.rawValue, elementType: type, shape: [2], bytes: (0..<(2 * type.byteSize)).map { UInt8($0 + 1) })
        }
        let restored = try SafetensorsFile(bytes: SafetensorsFile(tensors: tensors).serialized())
        XCTAssertEqual(restored.tensors, tensors)
    }

    func testEmptyFileAndEmptyTensors() throws {
        XCTAssertEqual(SafetensorsFile().serialized(), [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        XCTAssertEqual(try SafetensorsFile(bytes: SafetensorsFile().serialized()), SafetensorsFile())

        let withEmpty = SafetensorsFile(tensors: [
            NamedTensor(name: "a", floats: [1]),
            NamedTensor(name: "empty", shape: [0, 3], floats: []),
            NamedTensor(name: "b", floats: [2]),
        ])
        XCTAssertEqual(try SafetensorsFile(bytes: withEmpty.serialized()), withEmpty)
    }

    func testHeaderIsPaddedToEightBytesAndUnpaddedHeadersAreAccepted() throws {
        for name in ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"] {
            let bytes = SafetensorsFile(tensors: [NamedTensor(name: name, uint8s: [9])]).serialized()
            XCTAssertEqual((bytes.count - 1) % 8, 0, "header for \(name) is not padded")
        }
        let header = Array(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#.utf8)
        let unpadded = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [9]
        XCTAssertEqual(try SafetensorsFile(bytes: unpadded).tensors, [NamedTensor(name: "x", uint8s: [9])])
    }

    func testReadingSortsTensorsByOffset() throws {
        let header = Array(#"{"second":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"first":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#.utf8)
        let bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [10, 20]
        let file = try SafetensorsFile(bytes: bytes)
        XCTAssertEqual(file.tensors.map(\.name), ["first", "second"])
        XCTAssertEqual(try file.tensors.map { try $0.uint8s() }, [[10], [20]])
    }

    func testAskingForTheWrongTypeIsAnError() {
        XCTAssertThrowsError(try NamedTensor(name: "policy.weight", int64s: [1]).floats()) { error in
            XCTAssertEqual("\(error)", "tensor policy.weight holds I64 values, but F32 was expected: the checkpoint does not match this model")
        }
    }

    /// Writes `every-type.safetensors` and reads it back. With `EXPTRAIN_ORACLE_OUTPUT`
    /// set to a folder the file stays there for
    /// `scripts/oracles/safetensors_reference.py check FOLDER`.
    func testOracleFile() throws {
        let folder = ProcessInfo.processInfo.environment["EXPTRAIN_ORACLE_OUTPUT"] ?? temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/every-type.safetensors"
        try Self.everyType.write(to: path)
        XCTAssertEqual(try SafetensorsFile.read(from: path), Self.everyType)
    }

    private func temporaryFolder() -> String {
        let folder = NSTemporaryDirectory() + "exptrain-checkpoint-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }
}

private extension NamedTensor {
    /// The F32 bit patterns straight from the bytes, independent of `floats()`.
    var bytesAsFloatBits: [UInt32] {
        stride(from: 0, to: bytes.count, by: 4).map { i in
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
    }
}
