import CMPI

/// A 64-bit counter that every rank can add to and read without the others taking
/// part (MPI one-sided communication: the counter lives in a window on rank 0).
///
/// DD-PPO's straggler preemption counts, this way, how many ranks have finished
/// their rollout, while the slow ones are still stepping.
///
/// ```swift
/// let finished = try world.makeSharedCounter()   // collective
/// _ = try finished.add(1)                        // this rank is done
/// let done = try finished.read()                 // how many are done, now
/// try finished.free()                            // collective
/// ```
public final class SharedCounter {
    private var window: MPI_Win?
    private let communicator: Communicator

    init(communicator: Communicator) throws {
        self.communicator = communicator
        var base: UnsafeMutableRawPointer?
        let bytes = communicator.rank == 0 ? MemoryLayout<Int64>.size : 0
        var window: MPI_Win? = cmpi_win_null()
        try withUnsafeMutablePointer(to: &base) { basePointer in
            try check(
                MPI_Win_allocate(MPI_Aint(bytes), Int32(MemoryLayout<Int64>.size), cmpi_info_null(), communicator.handle, basePointer, &window),
                "MPI_Win_allocate")
        }
        if communicator.rank == 0 {
            base!.storeBytes(of: Int64(0), as: Int64.self)
        }
        self.window = window
        try check(MPI_Win_set_errhandler(window, cmpi_errors_return()), "MPI_Win_set_errhandler")
        // The counter must be zero on rank 0 before anyone adds to it.
        try communicator.barrier()
        try check(MPI_Win_lock_all(0, window), "MPI_Win_lock_all")
    }

    /// Adds `value` atomically and returns the counter's value before the addition.
    @discardableResult
    public func add(_ value: Int64) throws -> Int64 {
        try fetchAndOp(value, cmpi_op_sum(), "MPI_Fetch_and_op(sum)")
    }

    /// The counter's current value.
    public func read() throws -> Int64 {
        try fetchAndOp(0, cmpi_op_no_op(), "MPI_Fetch_and_op(no_op)")
    }

    /// Releases the window; every rank must call it, after its last `add` or `read`.
    public func free() throws {
        guard window != nil else { return }
        try check(MPI_Win_unlock_all(window), "MPI_Win_unlock_all")
        try check(MPI_Win_free(&window), "MPI_Win_free")
        window = nil
    }

    private func fetchAndOp(_ value: Int64, _ operation: MPI_Op, _ function: String) throws -> Int64 {
        guard window != nil else {
            throw MPIError(function: function, code: nil, message: "the shared counter was already freed")
        }
        var origin = value
        var result: Int64 = 0
        try check(MPI_Fetch_and_op(&origin, &result, cmpi_int64(), 0, 0, operation, window), function)
        try check(MPI_Win_flush(0, window), "MPI_Win_flush")
        return result
    }
}

extension Communicator {
    /// Makes a shared counter (collective: every rank must call it).
    public func makeSharedCounter() throws -> SharedCounter {
        try SharedCounter(communicator: self)
    }
}
