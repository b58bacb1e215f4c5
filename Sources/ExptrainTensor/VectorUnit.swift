import CVectorKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vector unit the element-wise kernels of training run on.
///
/// Swift compiles for the x86-64 baseline, four floats per SSE instruction, and its
/// `SIMD8` loops run as two of them. The hot element-wise loops (tanh and its pullback,
/// Adam's update) also exist in C compiled for AVX2 and AVX-512 (`CVectorKernels`),
/// which do the same IEEE operations in the same order, so every width gives the same
/// bits and the same parameter digests. `lanes` is the widest this processor runs,
/// unless `EXPTRAIN_VECTOR_LANES` names a narrower one (0 for the portable Swift loops,
/// 8, or 16), which is how the widths are compared:
///
/// ```swift
/// print(VectorUnit.lanes)   // 16 on an AVX-512 machine, 8 with AVX2, 0 elsewhere
/// ```
public enum VectorUnit {
    /// Floats per vector of the wide kernels, or 0 where they are not used.
    public static let lanes: Int32 = {
        let widest = exptrain_widest_vector_lanes()
        guard let requested = getenv("EXPTRAIN_VECTOR_LANES").flatMap({ Int32(String(cString: $0)) }) else { return widest }
        return [0, 8, 16].contains(requested) && requested <= widest ? requested : widest
    }()

    /// The instruction set of `lanes`, as `config.json` records it.
    public static var name: String {
        switch lanes {
        case 16: "avx512"
        case 8: "avx2"
        default: "portable"
        }
    }
}
