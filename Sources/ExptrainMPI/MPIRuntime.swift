import CMPI

#if canImport(Glibc)
import Glibc
#endif

/// Initialises MPI once per process and finalises it at exit.
enum MPIRuntime {
    /// Swift runs a static `let` initialiser exactly once, on first use, which
    /// gives "initialise once" without a lock of our own.
    static let world: Result<Communicator, any Error> = Result { try initializeWorld() }

    private static func initializeWorld() throws -> Communicator {
        var alreadyInitialized: Int32 = 0
        try check(MPI_Initialized(&alreadyInitialized), "MPI_Initialized")
        if alreadyInitialized == 0 {
            // Bounded all-reduces are MPI_Iallreduce, and Open MPI's libnbc runs every
            // in-place one as a binomial reduce followed by a broadcast: two trips where
            // the blocking call makes one exchange (1.35× its time on the cartpole
            // gradients, 8× at 1M floats). Rabenseifner's reduce-scatter and all-gather
            // is as fast as the blocking call (scripts/bench.sh, allreduce_bounded_*),
            // and just as deterministic. A value the user set stays.
            setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0)
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
            atexit { MPIRuntime.finalizeIfNeeded() }
            if provided < cmpi_thread_funneled() {
                throw MPIError(
                    function: "MPI_Init_thread", code: nil,
                    message: "this MPI library provides thread level \(provided), exptrain needs MPI_THREAD_FUNNELED (\(cmpi_thread_funneled())) or stronger; use an MPI built with thread support")
            }
        } else {
            var level: Int32 = 0
            try check(MPI_Query_thread(&level), "MPI_Query_thread")
            if level < cmpi_thread_funneled() {
                throw MPIError(
                    function: "MPI_Query_thread", code: nil,
                    message: "MPI was initialised by someone else at thread level \(level); exptrain needs MPI_THREAD_FUNNELED or stronger")
            }
        }
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try Communicator(handle: cmpi_comm_world())
    }

    private static func finalizeIfNeeded() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 {
            MPI_Finalize()
        }
    }
}
