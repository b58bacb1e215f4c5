@testable import ExptrainMetricsLog
import XCTest

final class CRC32CTests: XCTestCase {
    /// The standard check value and the iSCSI test vectors of RFC 3720, appendix B.4.
    func testKnownCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map(UInt8.init)), 0x46DD_794E)
    }

    /// Masked values from TensorBoard's own `masked_crc32c` (tensorflow_stub).
    func testMaskMatchesTensorBoard() {
        let firstEvent: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x1A, 0x0D] + Array("brain.Event:2".utf8)
        XCTAssertEqual(CRC32C.maskedChecksum([24, 0, 0, 0, 0, 0, 0, 0]), 0x224B_7FA3)
        XCTAssertEqual(CRC32C.maskedChecksum(firstEvent), 0x7A57_BF86)
    }
}
