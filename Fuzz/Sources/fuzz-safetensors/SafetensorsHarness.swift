import ExptrainCheckpoint
import FuzzDriver

@main
enum SafetensorsFuzzer {
    static func main() {
        runLibFuzzer(fuzzSafetensors)
    }
}

/// One input is the bytes of a checkpoint file.
///
/// Whatever the bytes, `SafetensorsFile(bytes:)` either throws its one-line error or
/// returns a file whose every tensor reads back through the typed accessor of its
/// element type, and whose serialisation parses to the same file (a crash, a trap or a
/// mismatch is a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file: SafetensorsFile
    do {
        file = try SafetensorsFile(bytes: bytes, source: "fuzz-input")
    } catch {
        precondition(!error.message.utf8.contains(10), "a checkpoint error spans several lines: \(error.message)")
        return 0
    }
    for tensor in file.tensors {
        let elements: Int?
        switch tensor.elementType {
        case .float32: elements = try? tensor.floats().count
        case .float64: elements = try? tensor.doubles().count
        case .int64: elements = try? tensor.int64s().count
        case .uint64: elements = try? tensor.uint64s().count
        case .uint8: elements = try? tensor.uint8s().count
        default: elements = tensor.elementCount
        }
        precondition(elements == tensor.elementCount, "tensor \(tensor.name) does not read back as its \(tensor.elementCount) elements")
    }
    let reread = try? SafetensorsFile(bytes: file.serialized(), source: "fuzz-reserialized")
    precondition(reread == file, "a parsed checkpoint does not survive serialisation")
    return 0
}
