import ExptrainCheckpoint
import XCTest

/// Every way a checkpoint can be broken gives one line naming the file and the problem.
final class SafetensorsCorruptionTests: XCTestCase {
    private let source = "runs/x/ckpt.safetensors"

    /// A file with `header` as its JSON header (unpadded) followed by `data`.
    private func file(header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    private func assertRejected(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile(bytes: bytes, source: source), file: file, line: line) { error in
            XCTAssertTrue(error is CheckpointFormatError, file: file, line: line)
            XCTAssertEqual("\(error)", "checkpoint runs/x/ckpt.safetensors " + expected, file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), "error messages are one line", file: file, line: line)
        }
    }

    private let valid = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    func testShorterThanTheLengthField() {
        assertRejected([1, 0, 0], "is truncated: it has 3 bytes, fewer than the 8-byte header length")
        assertRejected([], "is truncated: it has 0 bytes, fewer than the 8-byte header length")
    }

    func testHeaderLengthBeyondTheFile() {
        let bytes = Array(file(header: valid, data: [0, 0, 0, 0, 0, 0, 0, 0]).prefix(30))
        assertRejected(bytes, "is truncated: header length says 54 bytes of header, file has 22 after the length")
    }

    func testAbsurdHeaderLength() {
        assertRejected([0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 0, count: 16),
                       "is not a safetensors file or is corrupt: its header length 72057594037927936 is over the 100 MB limit")
        assertRejected(Array(repeating: 0xFF, count: 16),
                       "is not a safetensors file or is corrupt: its header length 18446744073709551615 is over the 100 MB limit")
    }

    func testTruncatedData() {
        assertRejected(file(header: valid, data: [0, 0, 0, 0, 0]), "is truncated: header says 8 bytes of tensors, file has 5")
    }

    func testTrailingBytes() {
        assertRejected(file(header: valid, data: Array(repeating: 0, count: 11)),
                       "is corrupt: it has 3 bytes after the last tensor (header says 8 bytes of tensors, file has 11)")
    }

    func testHeaderThatIsNotJSON() {
        assertRejected(file(header: #"{"a":{"dtype":"F32","#), "has a corrupt header: not valid JSON at byte 20 of the header (unexpected end of header)")
        assertRejected(file(header: #"{"a":1,}"#), "has a corrupt header: not valid JSON at byte 7 of the header (expected a quoted key)")
        assertRejected(file(header: "{} x"), "has a corrupt header: not valid JSON at byte 3 of the header (unexpected text after the JSON value)")
        assertRejected([2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28], "has a corrupt header: it is not valid UTF-8")
    }

    func testHeaderThatIsNotAnObject() {
        assertRejected(file(header: "[1, 2]"), "has a corrupt header: it should be a JSON object but is an array")
        assertRejected(file(header: #"{"a":[0,8]}"#, data: []), "has a corrupt header: tensor a should be described by an object but is an array")
    }

    func testUnknownDtype() {
        assertRejected(file(header: #"{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                       #"has a corrupt header: tensor a has unknown dtype "F7" (known: BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)"#)
    }

    func testMissingOrMalformedFields() {
        assertRejected(file(header: #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#), #"has a corrupt header: tensor a has no "dtype""#)
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}"#),
                       "has a corrupt header: tensor a has shape [2,-1], which is not a list of non-negative integers")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}"#),
                       "has a corrupt header: tensor a has data_offsets [0,8,9], which is not two non-negative integers [begin, end]")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#),
                       "has a corrupt header: tensor a has data_offsets [8,0] that end before they begin")
    }

    func testShapeThatDoesNotMatchTheOffsets() {
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
                       "has a corrupt header: tensor a has shape [3] of F32 but data_offsets [0,8] span 8 bytes")
        assertRejected(file(header: #"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#),
                       "has a corrupt header: tensor a has shape [4294967296,4294967296] of F64 but data_offsets [0,8] span 8 bytes")
    }

    func testOffsetsWithGapsOrOverlaps() {
        let gap = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}"#
        assertRejected(file(header: gap, data: Array(repeating: 0, count: 5)),
                       "has a corrupt header: tensor b starts at byte 3 of the data but the tensor before it ends at 2, leaving a gap (data_offsets must be contiguous)")
        let overlap = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#
        assertRejected(file(header: overlap, data: Array(repeating: 0, count: 3)),
                       "has a corrupt header: tensor b starts at byte 1 of the data but the tensor before it ends at 2, overlapping it (data_offsets must be contiguous)")
        let notFromZero = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}"#
        assertRejected(file(header: notFromZero, data: Array(repeating: 0, count: 6)),
                       "has a corrupt header: tensor a starts at byte 4 of the data but the tensor before it ends at 0, leaving a gap (data_offsets must be contiguous)")
    }

    func testDuplicateNames() {
        let twice = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        assertRejected(file(header: twice, data: [1, 2]), #"has a corrupt header: "a" appears more than once"#)
    }

    func testMetadataMustBeStrings() {
        assertRejected(file(header: #"{"__metadata__":{"seed":42}}"#), #"has a corrupt header: __metadata__ value for "seed" is a number, not a string"#)
        assertRejected(file(header: #"{"__metadata__":["x"]}"#), "has a corrupt header: __metadata__ should be an object of strings but is an array")
        assertRejected(file(header: #"{"__metadata__":{"k":"1","k":"2"}}"#), #"has a corrupt header: __metadata__ key "k" appears more than once"#)
    }

    func testJSONEscapesAreDecoded() throws {
        let header = #"{"__metadata__":{"k\u00e9\ud83d\ude00":"a\"b\\c\/\n"}}"#
        XCTAssertEqual(try SafetensorsFile(bytes: file(header: header)).metadata, ["ké😀": "a\"b\\c/\n"])
        assertRejected(file(header: #"{"__metadata__":{"k":"\ud83d"}}"#), "has a corrupt header: not valid JSON at byte 28 of the header (unpaired surrogate in \\u escape)")
    }

    /// Found by `scripts/fuzz.sh` (Fuzz/corpus/safetensors/regression-invalid-escape-before-newline):
    /// the byte after a backslash was quoted as it was, so a newline there broke the one line.
    func testUnprintableBytesOfBrokenJSONAreShownByValue() {
        assertRejected(file(header: "{\"a\\\n\":1}"), "has a corrupt header: not valid JSON at byte 5 of the header (invalid escape: a backslash before byte 0xA)")
        assertRejected(file(header: "{\"a\":\u{7F}}"), "has a corrupt header: not valid JSON at byte 5 of the header (unexpected character byte 0x7F)")
        assertRejected(file(header: "{\"a\\q\":1}"), "has a corrupt header: not valid JSON at byte 5 of the header (invalid escape: a backslash before 'q')")
    }

    /// A tensor name holding a newline (written `\n` in the JSON) is shown JSON-quoted.
    func testTensorNamesWithControlCharactersAreQuoted() {
        assertRejected(file(header: #"{"a\nb":[0,8]}"#), #"has a corrupt header: tensor "a\nb" should be described by an object but is an array"#)
    }
}
