/// Frames `data` as one TFRecord, the container format of TensorBoard event files:
/// the length as a little-endian `UInt64`, the masked CRC-32C of those 8 bytes, the
/// data, and the masked CRC-32C of the data (both CRCs little-endian `UInt32`).
func tfRecord(_ data: [UInt8]) -> [UInt8] {
    var record: [UInt8] = []
    appendTFRecord(data, to: &record)
    return record
}

/// Appends the TFRecord of `data` (see `tfRecord`) to `record`, allocating nothing once
/// `record` has the capacity.
func appendTFRecord(_ data: [UInt8], to record: inout [UInt8]) {
    withUnsafeBytes(of: UInt64(data.count).littleEndian) { length in
        record.append(contentsOf: length)
        withUnsafeBytes(of: CRC32C.maskedChecksum(length).littleEndian) { record.append(contentsOf: $0) }
    }
    record.append(contentsOf: data)
    withUnsafeBytes(of: CRC32C.maskedChecksum(data).littleEndian) { record.append(contentsOf: $0) }
}
