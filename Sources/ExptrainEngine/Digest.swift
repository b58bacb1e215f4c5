/// A short fingerprint of a list of 64-bit words (FNV-1a over their little-endian
/// bytes, 16 hexadecimal digits), for checking that ranks or runs hold the same values.
func digest(_ words: some Sequence<UInt64>) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for word in words {
        for shift in stride(from: 0, to: 64, by: 8) {
            hash ^= (word >> UInt64(shift)) & 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
