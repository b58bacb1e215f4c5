import CMPI

#if canImport(Glibc)
import Glibc
#endif

/// A collective that did not complete in time, with the ranks that had not arrived
/// when this rank gave up (when it can know them).
public struct CollectiveTimeoutError: Error, CustomStringConvertible, Sendable {
    /// What the collective was for, for example "update 17".
    public let label: String
    public let seconds: Double
    /// Ranks that had not reached the collective; `nil` when this rank cannot tell.
    public let lateRanks: [Int]?
    public let detail: String

    public var description: String {
        let who = lateRanks.map { ranks in
            "rank\(ranks.count == 1 ? "" : "s") \(ranks.map(String.init).joined(separator: ", ")) did not arrive"
        } ?? detail
        return "collective '\(label)' did not complete within \(Int(seconds)) s: \(who) (stuck in an environment, or dead?); raise --collective-timeout if that rank is only slow"
    }
}

extension Communicator {
    /// Message tag of the arrival notes; collectives use their own channel, so these
    /// cannot be confused with them.
    private static let arrivalTag: Int32 = 0x4E7

    /// `allReduce(_:_:)` that gives up after `timeout` seconds instead of waiting forever.
    ///
    /// On entering, each rank tells rank 0 that it arrived, and rank 0 tells the others;
    /// then the reduction runs non-blocking and is polled against the deadline. When it
    /// expires, rank 0 names the ranks that never arrived; the others name rank 0 if it
    /// never arrived, else give rank 0 two more seconds to report first. The caller
    /// then ends the job (`abort`), since a collective cannot be cancelled.
    public func allReduce<T: MPIReducible>(
        _ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReductionOperation, timeout: Double, label: String
    ) throws {
        guard size > 1 else { return try allReduce(buffer, operation) }
        let peers = rank == 0 ? Array(1..<size) : [0]
        var note: Int32 = 1
        var inbox = [Int32](repeating: 0, count: peers.count)
        var sends = [MPI_Request?](repeating: cmpi_request_null(), count: peers.count)
        var receives = [MPI_Request?](repeating: cmpi_request_null(), count: peers.count)
        var arrived = [Bool](repeating: false, count: peers.count)
        var reduction: MPI_Request? = cmpi_request_null()

        try withUnsafeMutablePointer(to: &note) { notePointer in
            try inbox.withUnsafeMutableBufferPointer { inboxBuffer in
                for (i, peer) in peers.enumerated() {
                    try check(MPI_Irecv(inboxBuffer.baseAddress! + i, 1, cmpi_int32(), Int32(peer), Self.arrivalTag, handle, &receives[i]), "MPI_Irecv(arrival)")
                    try check(MPI_Isend(notePointer, 1, cmpi_int32(), Int32(peer), Self.arrivalTag, handle, &sends[i]), "MPI_Isend(arrival)")
                }
                try check(
                    MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), T.mpiDatatype, operation.mpiOp, handle, &reduction),
                    "MPI_Iallreduce(\(label))")

                let start = Communicator.wallTime()
                var deadline = start + timeout
                var extended = false
                var polls = 0
                while true {
                    var done: Int32 = 0
                    try check(MPI_Test(&reduction, &done, cmpi_status_ignore()), "MPI_Test(\(label))")
                    if done != 0 { break }
                    for i in peers.indices where !arrived[i] {
                        var received: Int32 = 0
                        try check(MPI_Test(&receives[i], &received, cmpi_status_ignore()), "MPI_Test(arrival)")
                        arrived[i] = received != 0
                    }
                    if Communicator.wallTime() > deadline {
                        if rank == 0 {
                            throw CollectiveTimeoutError(
                                label: label, seconds: timeout, lateRanks: peers.indices.filter { !arrived[$0] }.map { peers[$0] }, detail: "")
                        }
                        if !arrived[0] {
                            throw CollectiveTimeoutError(label: label, seconds: timeout, lateRanks: [0], detail: "")
                        }
                        if extended {
                            throw CollectiveTimeoutError(
                                label: label, seconds: timeout, lateRanks: nil, detail: "rank 0 arrived and should have named the late ranks")
                        }
                        // Rank 0 knows who is late: let it be the one to report.
                        deadline += 2
                        extended = true
                    }
                    polls += 1
                    if polls > 1_000 { usleep(100) }
                }
                try check(MPI_Waitall(Int32(peers.count), &receives, nil), "MPI_Waitall(arrival)")
                try check(MPI_Waitall(Int32(peers.count), &sends, nil), "MPI_Waitall(arrival)")
            }
        }
    }
}
