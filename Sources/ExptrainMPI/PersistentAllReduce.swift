import CMPI

/// An in-place all-reduce of one buffer that stays where it is (a model's flat gradient
/// buffer), set up once and run many times.
///
/// On a bounded communicator it is MPI's persistent all-reduce (`MPI_Allreduce_init`;
/// Open MPI 4 has it as `MPIX_Allreduce_init`), started with `MPI_Start` and waited for
/// against the deadline like any bounded collective: the reduction's plan is made once,
/// instead of at every `MPI_Iallreduce`, which makes the bounded gradient all-reduce as
/// fast as the blocking one (`allreduce_gradients_*` in scripts/bench.sh). Where the MPI
/// library has no persistent collectives it is `MPI_Iallreduce`; on an unbounded
/// communicator, the blocking `MPI_Allreduce`.
///
/// Setting it up is a collective call: every rank makes it at the same point of the run,
/// as it would call a collective there (for example at its first minibatch).
///
/// ```swift
/// let gradients = try world.persistentAllReduce(parameters.withGradients { $0 }, .sum)
/// for batch in minibatches {
///     backward(batch)
///     try gradients.run(label: "gradient all-reduce")
/// }
/// ```
public final class PersistentAllReduce<T: MPIReducible> {
    /// The buffer reduced in place; it must outlive this value.
    public let buffer: UnsafeMutableBufferPointer<T>
    public let operation: ReductionOperation
    private let communicator: Communicator
    /// The persistent request, when the communicator is bounded and MPI has them.
    private var request: MPI_Request?

    init(buffer: UnsafeMutableBufferPointer<T>, operation: ReductionOperation, communicator: Communicator) throws {
        self.buffer = buffer
        self.operation = operation
        self.communicator = communicator
        guard communicator.isBounded, buffer.count > 0 else { return }
        guard let count = Int32(exactly: buffer.count) else {
            throw MPIError(function: "MPI_Allreduce_init", code: nil, message: "\(buffer.count) elements exceed MPI's 32-bit count; split the buffer")
        }
        var persistent: MPI_Request? = cmpi_request_null()
        let code = cmpi_allreduce_init(
            cmpi_in_place(), buffer.baseAddress, count, T.mpiDatatype, operation.mpiOp, communicator.handle, &persistent)
        if code == MPI_SUCCESS { request = persistent }
    }

    deinit {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if request != nil && finalized == 0 { MPI_Request_free(&request) }
    }

    /// Reduces the buffer across all ranks, in place, within the communicator's bound.
    public func run(label: @autoclosure () -> String = "all-reduce") throws {
        guard request != nil else { return try communicator.allReduce(buffer, operation, label: label()) }
        try check(MPI_Start(&request), "MPI_Start(\(label()))")
        try communicator.complete(&request, label: label)
    }
}

extension Communicator {
    /// An all-reduce of `buffer` (which stays where it is) set up once, to run many times;
    /// every rank calls this at the same point, as for a collective.
    public func persistentAllReduce<T: MPIReducible>(
        _ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReductionOperation
    ) throws -> PersistentAllReduce<T> {
        try PersistentAllReduce(buffer: buffer, operation: operation, communicator: self)
    }
}
