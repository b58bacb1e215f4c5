import CMPI

#if canImport(Glibc)
import Glibc
#endif

/// The processes of one MPI job, seen from this process.
///
/// `Communicator.world()` initialises MPI the first time it is called (thread level
/// `MPI_THREAD_FUNNELED`: only the thread that initialised MPI calls it) and arranges
/// `MPI_Finalize` at exit. A program started without `mpirun` is an MPI singleton:
/// rank 0 of a world of size 1.
///
/// ```swift
/// let world = try Communicator.world()
/// var seeds: [UInt64] = world.rank == 0 ? drawSeeds(count: world.size) : []
/// try world.broadcast(&seeds, root: 0)
/// try world.allReduce(&gradients, .sum)
/// ```
///
/// `bounded(by:)` gives the same communicator with every collective bounded: a rank
/// that waits longer than that for the others throws `CollectiveTimeoutError` naming the
/// ranks that did not arrive, instead of waiting forever for a stopped or cut-off rank.
///
/// No file outside this module calls an `MPI_*` function: the rest of exptrain
/// talks to a `Communicator`.
public struct Communicator: @unchecked Sendable {
    // MPI handles are plain pointers to objects MPI owns for the whole job; sharing
    // the value between threads is safe, calling MPI from them is not (FUNNELED).
    let handle: MPI_Comm

    /// This process's rank in the communicator (AllenAct's `process_ind` for the world).
    public let rank: Int
    /// The number of processes in the communicator (AllenAct's `total_processes`).
    public let size: Int
    /// This process's rank among the processes on the same node (shared memory).
    public let localRank: Int
    /// The number of processes of this communicator on the same node.
    public let localSize: Int
    /// The node's name as MPI reports it (`MPI_Get_processor_name`).
    public let processorName: String
    /// Seconds any one collective waits for the other ranks before it throws
    /// `CollectiveTimeoutError`; 0 waits forever (MPI's blocking calls).
    public private(set) var collectiveTimeout: Double = 0
    /// Shared by every copy of this communicator: the count of bounded collectives and
    /// the notes that name late ranks.
    let rollCall: RollCall

    /// The world communicator of this job, initialising MPI on first use.
    ///
    /// Throws when MPI cannot give the required thread level or when a query fails;
    /// the error is the same on every later call.
    public static func world() throws -> Communicator {
        try MPIRuntime.world.get()
    }

    init(handle: MPI_Comm) throws {
        self.handle = handle
        var rank: Int32 = 0
        var size: Int32 = 0
        try check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)

        // Local rank comes from the shared-memory split, never from launcher
        // variables: those differ between mpirun, srun and singletons.
        var node: MPI_Comm? = cmpi_comm_null()
        try check(
            MPI_Comm_split_type(handle, cmpi_comm_type_shared(), rank, cmpi_info_null(), &node),
            "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)")
        var localRank: Int32 = 0
        var localSize: Int32 = 0
        try check(MPI_Comm_rank(node, &localRank), "MPI_Comm_rank(node)")
        try check(MPI_Comm_size(node, &localSize), "MPI_Comm_size(node)")
        try check(MPI_Comm_free(&node), "MPI_Comm_free(node)")
        self.localRank = Int(localRank)
        self.localSize = Int(localSize)

        var name = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        try check(MPI_Get_processor_name(&name, &length), "MPI_Get_processor_name")
        self.processorName = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        rollCall = RollCall(handle: handle, rank: self.rank, size: self.size)
    }

    /// This communicator with every collective (broadcast, all-reduce, all-gather,
    /// barrier) bounded by `seconds`; 0 waits forever.
    ///
    /// A bounded collective is the non-blocking one (`MPI_Iallreduce`, …) polled with
    /// `MPI_Test` against the deadline. Every rank must bound the same collectives alike.
    ///
    /// ```swift
    /// let world = try Communicator.world().bounded(by: 300)
    /// do { try world.allReduce(&gradients, .sum, label: "gradients") }
    /// catch let late as CollectiveTimeoutError { world.abort(code: 1, message: "\(late)") }
    /// ```
    public func bounded(by seconds: Double) -> Communicator {
        precondition(seconds >= 0 && seconds.isFinite, "a collective timeout is 0 (none) or a positive number of seconds")
        var copy = self
        copy.collectiveTimeout = seconds
        return copy
    }

    /// Whether collectives run non-blocking against the deadline (with one rank there is
    /// nobody to wait for).
    var isBounded: Bool { collectiveTimeout > 0 && size > 1 }

    /// Completes a non-blocking collective just started, within the bound.
    func complete(_ request: inout MPI_Request?, label: () -> String) throws {
        try rollCall.wait(for: &request, timeout: collectiveTimeout, label: label)
    }

    /// Blocks until every process of the communicator has called `barrier()`.
    public func barrier(label: @autoclosure () -> String = "barrier") throws {
        guard isBounded else { return try check(MPI_Barrier(handle), "MPI_Barrier") }
        var request: MPI_Request? = cmpi_request_null()
        try check(MPI_Ibarrier(handle, &request), "MPI_Ibarrier")
        try complete(&request, label: label)
    }

    /// Seconds since an arbitrary moment in the past (`MPI_Wtime`), for measuring
    /// intervals on this process.
    public static func wallTime() -> Double {
        MPI_Wtime()
    }

    /// Ends the whole job: prints `message` from this rank on standard error, then
    /// calls `MPI_Abort`, which makes the launcher kill every rank with `code`.
    ///
    /// Use it when this rank cannot go on; the other ranks may be waiting in a
    /// collective and would otherwise hang until the job's time limit.
    public func abort(code: Int32, message: String) -> Never {
        let line = "exptrain: rank \(rank) of \(size) on \(processorName): \(message)\n"
        fflush(nil)
        _ = line.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
        MPI_Abort(handle, code)
        exit(code)
    }
}
