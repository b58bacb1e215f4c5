import CMPI

/// Lets each rank see, without waiting, how many ranks have reached a point in the
/// current round (for example: finished their rollout), while it is still working.
///
/// Each round, every rank posts a receive from every other rank; a rank that arrives
/// sends a one-integer note to all others. Point-to-point messages work on every
/// transport (one-sided windows do not: Open MPI's TCP transport cannot allocate
/// them), and the notes of one round cannot be confused with the next because every
/// rank arrives exactly once per round and MPI keeps messages between two ranks in order.
///
/// ```swift
/// let board = try ArrivalBoard(world)
/// try board.beginRound()
/// while working { if try board.arrivedCount() >= 3 { break } … }
/// try board.arrive()
/// try world.allReduce(&totals, .sum)   // any collective: afterwards everyone has arrived
/// try board.endRound()
/// ```
public final class ArrivalBoard {
    /// The tag of arrival notes, distinct from the collective timeout's.
    private static let tag: Int32 = 0x4E8

    private let communicator: Communicator
    private let peers: [Int32]
    private var receives: [MPI_Request?]
    private var sends: [MPI_Request?]
    private var inbox: UnsafeMutablePointer<Int32>
    private var outbox: UnsafeMutablePointer<Int32>
    private var arrivedPeers = 0
    private var arrivedSelf = false

    public init(_ communicator: Communicator) {
        self.communicator = communicator
        peers = (0..<communicator.size).filter { $0 != communicator.rank }.map { Int32($0) }
        receives = [MPI_Request?](repeating: cmpi_request_null(), count: peers.count)
        sends = [MPI_Request?](repeating: cmpi_request_null(), count: peers.count)
        inbox = .allocate(capacity: max(peers.count, 1))
        outbox = .allocate(capacity: 1)
        outbox.pointee = 1
    }

    deinit {
        inbox.deallocate()
        outbox.deallocate()
    }

    /// Starts a round: posts the receives for every other rank's note.
    public func beginRound() throws {
        arrivedPeers = 0
        arrivedSelf = false
        for (i, peer) in peers.enumerated() {
            try check(MPI_Irecv(inbox + i, 1, cmpi_int32(), peer, Self.tag, communicator.handle, &receives[i]), "MPI_Irecv(arrival)")
        }
    }

    /// This rank has arrived: tells every other rank.
    public func arrive() throws {
        arrivedSelf = true
        for (i, peer) in peers.enumerated() {
            try check(MPI_Isend(outbox, 1, cmpi_int32(), peer, Self.tag, communicator.handle, &sends[i]), "MPI_Isend(arrival)")
        }
    }

    /// Ranks that have arrived in this round so far, this one included.
    public func arrivedCount() throws -> Int {
        if arrivedPeers < peers.count {
            for i in receives.indices where receives[i] != cmpi_request_null() {
                var done: Int32 = 0
                try check(MPI_Test(&receives[i], &done, cmpi_status_ignore()), "MPI_Test(arrival)")
                if done != 0 { arrivedPeers += 1 }
            }
        }
        return arrivedPeers + (arrivedSelf ? 1 : 0)
    }

    /// Ends the round once every rank has arrived (after a collective that all ranks
    /// reach only after arriving): completes the outstanding notes.
    public func endRound() throws {
        try check(MPI_Waitall(Int32(receives.count), &receives, nil), "MPI_Waitall(arrival)")
        try check(MPI_Waitall(Int32(sends.count), &sends, nil), "MPI_Waitall(arrival)")
    }
}
