import COpenBLAS
import CVectorKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which OpenBLAS kernels a process runs.
///
/// OpenBLAS picks its kernels from the processor's model when the library loads. On a
/// virtual machine that hides its model (`Intel(R) Xeon(R) Processor`) OpenBLAS 0.3.21
/// falls back to its SSE3 kernels (`Prescott`), which run sgemm at half the speed of the
/// AVX2 ones and at a third of the AVX-512 ones. So exptrain chooses from the processor's
/// instructions instead: `SkylakeX` where it runs AVX-512 (F, CD, BW, DQ, VL), `Haswell`
/// where it runs AVX2 and FMA, unless the user named a family in `OPENBLAS_CORETYPE`:
///
/// ```swift
/// BLASKernels.selectFastestKernels()   // first thing in main, before MPI starts
/// print(BLASKernels.coreName)          // "SkylakeX" on an AVX-512 machine
/// ```
///
/// The families sum in different orders, so one seed learns other parameters on AVX2 and
/// AVX-512 machines; `OPENBLAS_CORETYPE=Haswell` (`portableCoreName`) gives the same
/// parameters on both, at AVX2's speed.
public enum BLASKernels {
    /// The family whose numbers are the same on every x86-64 processor with AVX2 and FMA.
    public static let portableCoreName = "Haswell"

    /// The fastest family this processor runs, or `nil` when it runs neither AVX-512 nor
    /// AVX2 (then OpenBLAS's own choice stays).
    public static var fastestCoreName: String? {
        if exptrain_cpu_has_avx512_skylakex() == 1 { return "SkylakeX" }
        if exptrain_cpu_has_avx2_fma() == 1 { return portableCoreName }
        return nil
    }

    /// The kernel family OpenBLAS runs in this process ("Haswell", "SkylakeX", "Prescott", …).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Restarts the process (the same executable and arguments) with `OPENBLAS_CORETYPE`
    /// set to `fastestCoreName` when the variable is unset and OpenBLAS chose another
    /// family. OpenBLAS reads the variable only when it loads, hence the restart; it keeps
    /// the process id, so `mpirun` and Slurm see the same rank. Returns when no restart is
    /// needed, or when it failed (the process then keeps OpenBLAS's own choice, which
    /// `coreName` reports).
    ///
    /// Call it before anything else, and before MPI starts.
    public static func selectFastestKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let fastest = fastestCoreName, coreName.lowercased() != fastest.lowercased() else { return }
        // The executable's own path, not /proc/self/exe: the kernel names the process after
        // the path it executes, and `pgrep exptrain` and the cluster tests look for that name.
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &path, Int(PATH_MAX))
        guard length > 0 else { return }
        setenv("OPENBLAS_CORETYPE", fastest, 1)
        execv(path, CommandLine.unsafeArgv)
    }
}
