/// The element type of a tensor stored in a safetensors file, named as in the file's
/// `"dtype"` field.
///
/// Every type of the safetensors format is recognised, so any file can be read and
/// rewritten; `NamedTensor` offers typed access for the types exptrain stores
/// (`F32`, `F64`, `I64`, `U64`, `U8`) and raw bytes for the rest.
///
/// ```swift
/// TensorElementType.float32.rawValue   // "F32"
/// TensorElementType.float32.byteSize   // 4
/// ```
public enum TensorElementType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .float64, .int64, .uint64: 8
        }
    }
}
