/// CRC-32C (Castagnoli), the checksum of TFRecord files, and its TFRecord masking.
///
/// Table-driven, one byte at a time: event files are written once per log point, so
/// the simplest fast-enough form wins. Check value: `"123456789"` → `0xE3069283`.
///
/// ```swift
/// CRC32C.checksum(Array("123456789".utf8))   // 0xE3069283
/// ```
enum CRC32C {
    /// The reflected Castagnoli polynomial 0x1EDC6F41.
    private static let reversedPolynomial: UInt32 = 0x82F6_3B78

    /// The CRC of every byte value, so each input byte costs one lookup.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ reversedPolynomial : crc >> 1
        }
        return crc
    }

    /// The CRC-32C of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The CRC-32C of `bytes`, rotated and offset as TFRecord stores it. The mask keeps
    /// a CRC of data that itself contains CRCs from being weak.
    static func maskedChecksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
