import COpenBLAS
import CVectorKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The project's entry point to OpenBLAS.
///
/// One MPI rank runs per core, so OpenBLAS's own threads would only oversubscribe the
/// machine: the first BLAS call of a process pins OpenBLAS to one thread, unless the
/// user chose a count with `OPENBLAS_NUM_THREADS`.
public enum BLAS {
    /// Pins OpenBLAS to one thread (once per process) unless `OPENBLAS_NUM_THREADS` is set.
    /// Every wrapper below calls it; call it yourself before calling `cblas_*` directly.
    @inline(__always)
    public static func configureThreading() {
        _ = threadingConfigured
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, where `op(X)` is `X` or
    /// `Xᵀ`. `A` is stored `[m, k]` (or `[k, m]` when transposed), `B` `[k, n]` (or `[n, k]`),
    /// `C` `[m, n]`; transposes are BLAS flags, never copies.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>
    ) {
        configureThreading()
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(transposeA ? m : k),
            b, blasint(transposeB ? k : n),
            beta, c, blasint(n)
        )
    }

    /// `sums[j] += rows[r, j]` for each row `r` of the row-major `[rowCount, columns]` matrix
    /// `rows`, row after row: a bias's gradient from its layer's output gradient. On the
    /// wide vector unit where there is one (`VectorUnit`), with the same numbers.
    public static func addColumnSums(_ rows: UnsafePointer<Float>, rowCount: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        if VectorUnit.lanes > 0 { return exptrain_add_column_sums(VectorUnit.lanes, rows, rowCount, columns, sums) }
        for row in 0..<rowCount {
            let source = rows + row * columns
            for j in 0..<columns { sums[j] += source[j] }
        }
    }

    /// `y = x·Wᵀ + b` on raw row-major buffers: `x` `[batch, inputSize]`, `W` `[outputSize, inputSize]`,
    /// `b` `[outputSize]` (or none), `y` `[batch, outputSize]`. The bias is copied into each output
    /// row and one sgemm adds `x·Wᵀ` to it. The kernel of the tensor operation `affine`, for
    /// inference code that keeps its own buffers: the same call gives the same numbers.
    ///
    /// With `transposedWeight`, a copy of `W` as `Wᵀ` (`[inputSize, outputSize]`, see
    /// `transpose`), the sgemm multiplies `x·(Wᵀ)` untransposed instead. OpenBLAS packs both
    /// forms into the same panels, so under its Haswell kernel (the digests' kernel) the numbers
    /// are the same; its SkylakeX kernels take a small-matrix kernel for the untransposed form
    /// where they pack `x·Wᵀ`: in cartpole-ppo's training, 4 × 64 × 4 products 193–249 against
    /// 967–1,202 cycles per call, 4 × 64 × 64 949–1,156 against 1,692–1,983, 128 × 64 × 64 as
    /// fast as the backward pass's `dy·W` of that shape instead of 1.5× its time. Which
    /// layers gain is `Linear.usesTransposedWeight`'s rule.
    public static func affine(
        batch: Int, inputSize: Int, outputSize: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, transposedWeight: UnsafePointer<Float>? = nil
    ) {
        if let bias, VectorUnit.lanes > 0 {
            exptrain_fill_rows(VectorUnit.lanes, bias, outputSize, batch, output)
        } else if let bias {
            for row in 0..<batch { (output + row * outputSize).update(from: bias, count: outputSize) }
        } else {
            output.update(repeating: 0, count: batch * outputSize)
        }
        guard inputSize > 0 else { return }
        if let transposedWeight {
            gemm(transposeA: false, transposeB: false, m: batch, n: outputSize, k: inputSize, a: input, b: transposedWeight, beta: 1, c: output)
        } else {
            gemm(transposeA: false, transposeB: true, m: batch, n: outputSize, k: inputSize, a: input, b: weight, beta: 1, c: output)
        }
    }

    /// `transposed[j, i] = matrix[i, j]` for the row-major `[rows, columns]` `matrix`, in
    /// 8 × 8 register blocks on a wide vector unit (`VectorUnit`): an element-wise copy with
    /// strided stores took 3 cycles per float, 6.6 % of a cartpole-ppo run.
    public static func transpose(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into transposed: UnsafeMutablePointer<Float>) {
        exptrain_transpose(VectorUnit.lanes, matrix, rows, columns, transposed)
    }
}

/// Runs once, thread-safely, on first use (Swift initialises globals lazily with `swift_once`).
private let threadingConfigured: Void = {
    if getenv("OPENBLAS_NUM_THREADS") == nil {
        openblas_set_num_threads(1)
    }
}()
