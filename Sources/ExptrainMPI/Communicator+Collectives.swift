import CMPI

/// Every collective takes a `label` saying what it is for ("parameters", "gradient
/// all-reduce of update 17"); a bounded communicator names it when the collective times
/// out. It is an autoclosure, so the hot paths never build the string.
extension Communicator {
    // MARK: Broadcast

    /// Broadcasts a fixed-size buffer from `root`; every rank must pass the same count.
    ///
    /// This is the allocation-free form for hot paths (for example the flat
    /// parameter buffer); the array forms below also agree on the length.
    public func broadcast<T: MPIScalar>(
        _ buffer: UnsafeMutableBufferPointer<T>, root: Int = 0, label: @autoclosure () -> String = "broadcast"
    ) throws {
        try checkRoot(root)
        let count = try mpiCount(buffer.count, "MPI_Bcast")
        guard count > 0 else { return }
        guard isBounded else {
            return try check(MPI_Bcast(buffer.baseAddress, count, T.mpiDatatype, Int32(root), handle), "MPI_Bcast")
        }
        var request: MPI_Request? = cmpi_request_null()
        try check(MPI_Ibcast(buffer.baseAddress, count, T.mpiDatatype, Int32(root), handle, &request), "MPI_Ibcast")
        try complete(&request, label: label)
    }

    /// Replaces `values` on every rank with root's `values`; lengths may differ before the call.
    public func broadcast<T: MPIScalar>(_ values: inout [T], root: Int = 0, label: @autoclosure () -> String = "broadcast") throws {
        var length = [Int64(values.count)]
        try length.withUnsafeMutableBufferPointer { try broadcast($0, root: root, label: label() + " (length)") }
        if rank != root {
            values = [T](unsafeUninitializedCapacity: Int(length[0])) { _, initialized in
                initialized = Int(length[0])
            }
        }
        try values.withUnsafeMutableBufferPointer { try broadcast($0, root: root, label: label()) }
    }

    /// Replaces `string` on every rank with root's `string` (UTF-8 bytes on the wire).
    public func broadcast(_ string: inout String, root: Int = 0, label: @autoclosure () -> String = "broadcast") throws {
        var bytes = Array(string.utf8)
        try broadcast(&bytes, root: root, label: label())
        if rank != root {
            string = String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: All-reduce

    /// Reduces `buffer` element-wise across all ranks, in place (`MPI_IN_PLACE`):
    /// afterwards every rank holds the same result. One call, no copies.
    public func allReduce<T: MPIReducible>(
        _ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReductionOperation, label: @autoclosure () -> String = "all-reduce"
    ) throws {
        let count = try mpiCount(buffer.count, "MPI_Allreduce")
        guard count > 0 else { return }
        guard isBounded else {
            return try check(
                MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, count, T.mpiDatatype, operation.mpiOp, handle),
                "MPI_Allreduce(\(operation.rawValue), \(count) elements)")
        }
        var request: MPI_Request? = cmpi_request_null()
        try check(
            MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, count, T.mpiDatatype, operation.mpiOp, handle, &request),
            "MPI_Iallreduce(\(operation.rawValue), \(count) elements)")
        try complete(&request, label: label)
    }

    /// Reduces `values` element-wise across all ranks, in place; every rank must
    /// pass the same number of elements.
    public func allReduce<T: MPIReducible>(
        _ values: inout [T], _ operation: ReductionOperation, label: @autoclosure () -> String = "all-reduce"
    ) throws {
        try values.withUnsafeMutableBufferPointer { try allReduce($0, operation, label: label()) }
    }

    /// Returns `value` reduced across all ranks.
    public func allReduce<T: MPIReducible>(
        _ value: T, _ operation: ReductionOperation, label: @autoclosure () -> String = "all-reduce"
    ) throws -> T {
        var values = [value]
        try allReduce(&values, operation, label: label())
        return values[0]
    }

    // MARK: Checks

    private func checkRoot(_ root: Int) throws {
        guard (0..<size).contains(root) else {
            throw MPIError(function: "MPI_Bcast", code: nil, message: "root \(root) is not a rank of this communicator (size \(size))")
        }
    }

    fileprivate func mpiCount(_ count: Int, _ function: String) throws -> Int32 {
        guard let count32 = Int32(exactly: count) else {
            throw MPIError(function: function, code: nil, message: "\(count) elements exceed MPI's 32-bit count; split the buffer")
        }
        return count32
    }
}

extension Communicator {
    // MARK: All-gather

    /// Every rank contributes `values` (the same count on every rank) and receives
    /// all ranks' values, rank 0's first.
    public func allGather<T: MPIScalar>(_ values: [T], label: @autoclosure () -> String = "all-gather") throws -> [T] {
        var result: [T] = []
        try allGather(values, into: &result, label: label())
        return result
    }

    /// Every rank contributes `values` (the same count on every rank) and `result` becomes
    /// all ranks' values, rank 0's first, in the array's own storage: a caller that keeps
    /// `result` across calls of the same size allocates nothing.
    ///
    /// ```swift
    /// var gathered: [Double] = []  // kept by the caller
    /// try world.allGather(local, into: &gathered, label: "recent episodes")
    /// ```
    public func allGather<T: MPIScalar>(
        _ values: [T], into result: inout [T], label: @autoclosure () -> String = "all-gather"
    ) throws {
        let count = try mpiCount(values.count, "MPI_Allgather")
        let total = values.count * size
        if result.count != total {
            result = [T](unsafeUninitializedCapacity: total) { _, initialized in initialized = total }
        }
        guard count > 0 else { return }
        try values.withUnsafeBufferPointer { send in
            try result.withUnsafeMutableBufferPointer { receive in
                guard isBounded else {
                    return try check(
                        MPI_Allgather(send.baseAddress, count, T.mpiDatatype, receive.baseAddress, count, T.mpiDatatype, handle),
                        "MPI_Allgather(\(count) elements)")
                }
                var request: MPI_Request? = cmpi_request_null()
                try check(
                    MPI_Iallgather(send.baseAddress, count, T.mpiDatatype, receive.baseAddress, count, T.mpiDatatype, handle, &request),
                    "MPI_Iallgather(\(count) elements)")
                try complete(&request, label: label)
            }
        }
    }

    /// Every rank contributes `values` (any count, rank by rank) and receives every rank's
    /// values, one array per rank in rank order: two all-gathers, of the counts and then of
    /// the values padded with zeros to the longest.
    public func allGatherVariable<T: MPIScalar & ExpressibleByIntegerLiteral>(
        _ values: [T], label: @autoclosure () -> String = "all-gather"
    ) throws -> [[T]] {
        let counts = try allGather([Int64(values.count)], label: "\(label()) (counts)").map { Int($0) }
        let width = counts.max() ?? 0
        let padded = try allGather(values + [T](repeating: 0, count: width - values.count), label: label())
        return counts.enumerated().map { rank, count in Array(padded[(rank * width)..<(rank * width + count)]) }
    }
}
