import CVectorKernels

/// Subnormal floats (magnitudes below `Float.leastNormalMagnitude`, 2⁻¹²⁶ ≈ 1.2·10⁻³⁸)
/// flushed to zero, as results and as inputs.
///
/// Adam's moments of a parameter whose gradient stays 0 (the encoder's weights of an
/// embedding code that never occurs, say) decay by β₁ and β₂ every step, and pass through
/// the subnormal range on their way to 0: the first moment for about 150 steps, the
/// second for about 16,000. Intel processors take a microcode assist of a hundred cycles
/// or more for each operation on a subnormal, so `minigrid-empty-ppo` ran at 6.5–6.9k
/// steps/s with them and 14.3–17.0k without (1 rank, side by side), with the same
/// parameter digests: an update of 10⁻³⁸ moves no parameter. `Exptrain.main` enables it
/// first thing:
///
/// ```swift
/// SubnormalFlushing.enable()
/// print(SubnormalFlushing.isEnabled)   // true
/// ```
///
/// The mode belongs to a thread: the one that trains (OpenBLAS at one thread per rank runs
/// its kernels on the calling thread).
public enum SubnormalFlushing {
    /// Flushes subnormals on the calling thread (x86-64: MXCSR's FTZ and DAZ; arm64: FPCR.FZ).
    public static func enable() {
        exptrain_flush_subnormals()
    }

    /// Whether the calling thread flushes subnormal results to zero.
    public static var isEnabled: Bool {
        exptrain_flushes_subnormals() == 1
    }
}
