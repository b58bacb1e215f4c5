import COpenBLAS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which OpenBLAS kernels a process runs.
///
/// OpenBLAS picks its kernels from the processor's model when the library loads. That
/// choice makes the same seed give different parameters on AVX2 and AVX-512 machines (the
/// kernels sum in different orders), and on a virtual machine that hides its model
/// (`Intel(R) Xeon(R) Processor`) OpenBLAS 0.3.21 falls back to its SSE3 kernels
/// (`Prescott`), which run sgemm at half the speed of the AVX2 ones. So on every x86-64
/// processor with AVX2 and FMA, exptrain runs the `Haswell` (AVX2) kernels unless the user
/// named a family in `OPENBLAS_CORETYPE`:
///
/// ```swift
/// BLASKernels.selectPortableKernels()   // first thing in main, before MPI starts
/// print(BLASKernels.coreName)           // "Haswell"
/// ```
public enum BLASKernels {
    /// The kernel family exptrain selects on x86-64 processors with AVX2 and FMA.
    public static let portableCoreName = "Haswell"

    /// The kernel family OpenBLAS runs in this process ("Haswell", "SkylakeX", "Prescott", …).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Restarts the process (the same executable, found through `/proc/self/exe`, and the
    /// same arguments) with `OPENBLAS_CORETYPE=Haswell` when the variable is unset, the
    /// processor runs AVX2 and FMA, and OpenBLAS chose another family. OpenBLAS reads the
    /// variable only when it loads, hence the restart; it keeps the process id, so `mpirun`
    /// and Slurm see the same rank. Returns when no restart is needed, or when it failed
    /// (the process then keeps OpenBLAS's own choice, which `coreName` reports).
    ///
    /// Call it before anything else, and before MPI starts.
    public static func selectPortableKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil, exptrain_cpu_has_avx2_fma() == 1, coreName.lowercased() != portableCoreName.lowercased() else { return }
        // The executable's own path, not /proc/self/exe: the kernel names the process after
        // the path it executes, and `pgrep exptrain` and the cluster tests look for that name.
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &path, Int(PATH_MAX))
        guard length > 0 else { return }
        setenv("OPENBLAS_CORETYPE", portableCoreName, 1)
        execv(path, CommandLine.unsafeArgv)
    }
}
