import CMPI

#if canImport(Glibc)
import Glibc
#endif

/// Waits for a non-blocking collective against a deadline, and when the deadline passes,
/// finds out which ranks never came by calling the roll.
///
/// Nothing is sent while things go well: a collective that completes in time costs its
/// `MPI_I…` call and a few `MPI_Test`s. A rank that has waited past the deadline sends a
/// note to every other rank saying which collective (by count) it waits in; every rank
/// that is itself waiting in a bounded collective answers. A rank that is stopped
/// (SIGSTOP), stuck outside MPI (an environment, a driver call), or cut off never
/// answers, and is named. A rank that answers is alive and waiting, perhaps in an earlier
/// collective (one the stopped rank left half done) or a later one (a broadcast's root
/// moves on). (Notes on entry, as the control all-reduce once sent, would name the late
/// ranks without a second round, but cost a message pair on every gradient all-reduce.)
///
/// Every rank counts the same bounded collectives in the same order, so the counts agree
/// between ranks; the rank waiting in the earliest collective reports, so that one line
/// names the late ranks. Only the thread that initialised MPI calls this
/// (`MPI_THREAD_FUNNELED`).
final class RollCall: @unchecked Sendable {
    /// The notes' message tag, distinct from the arrival board's.
    private static let tag: Int32 = 0x4E9
    /// How long a rank waits for answers once it has called the roll.
    static let answerSeconds = 2.0
    /// How long a rank that is not the one to report waits for that one to end the job
    /// (which takes about a second) before it reports too: a job ends within
    /// `answerSeconds` of the timeout, or `answerSeconds + reporterSeconds` if the reporter
    /// cannot end it.
    static let reporterSeconds = 3.0
    /// A wait shorter than this never looks at notes (the hot path stays two MPI calls).
    private static let firstLookSeconds = 0.01
    /// Non-blocking collectives progress only inside MPI calls, so the wait tests without
    /// pause at first (as MPI's blocking calls do), then yields the core between tests
    /// (to ranks of an oversubscribed node), and after a second naps between tests, so that
    /// a rank waiting minutes for a slow rollout leaves the core to the ranks still working.
    private static let spinSeconds = 0.01
    private static let yieldSeconds = 1.0
    private static let napMicroseconds: UInt32 = 100

    private enum Kind: Int64 {
        case query = 1
        case answer = 2
    }

    /// One note: a query or its answer, with the count of the collective the sender waits in.
    private struct Note {
        var kind: Kind
        var collective: Int
    }

    private let handle: MPI_Comm
    private let rank: Int
    private let size: Int
    /// Bounded collectives this rank has entered.
    private var count = 0
    /// Notes sent whose buffers MPI may still read.
    private var sends: [(request: MPI_Request?, buffer: UnsafeMutablePointer<Int64>)] = []
    /// Notes received while waiting in the current collective, before this rank's own
    /// deadline: another rank may have called the roll first.
    private var heard: [(source: Int, note: Note)] = []

    init(handle: MPI_Comm, rank: Int, size: Int) {
        self.handle = handle
        self.rank = rank
        self.size = size
    }

    deinit {
        for send in sends { send.buffer.deallocate() }
    }

    /// Completes `request`, a non-blocking collective this rank just started, or throws
    /// `CollectiveTimeoutError` naming the ranks that did not arrive within `timeout` seconds.
    func wait(for request: inout MPI_Request?, timeout: Double, label: () -> String) throws {
        count += 1
        if try isComplete(&request) { return }
        let start = MPI_Wtime()
        var nextLook = start + Self.firstLookSeconds
        heard.removeAll(keepingCapacity: true)
        while true {
            if try isComplete(&request) { return }
            let now = MPI_Wtime()
            if now - start > Self.yieldSeconds {
                usleep(Self.napMicroseconds)
            } else if now - start > Self.spinSeconds {
                sched_yield()
            }
            if now >= nextLook {
                // Another rank may be calling the roll: answer it.
                heard += try serveNotes()
                nextLook = now + Self.firstLookSeconds
            }
            if now - start >= timeout {
                return try callRoll(waitingFor: &request, timeout: timeout, label: label)
            }
        }
    }

    /// Asks every other rank where it is, and waits `answerSeconds` for the answers (and for
    /// the collective, which may still complete if a late rank comes in time). Then of the
    /// ranks that called the roll, the one in the earliest collective (then the lowest
    /// rank) reports the ranks that never answered; the others give it
    /// `reporterSeconds` to end the job before they report the same ranks. (They must not
    /// listen meanwhile: ending the job sends SIGCONT before it kills, so a stopped rank
    /// may wake up and answer after all.)
    private func callRoll(waitingFor request: inout MPI_Request?, timeout: Double, label: () -> String) throws {
        let asked = count
        for peer in 0..<size where peer != rank {
            try send(Note(kind: .query, collective: asked), to: peer)
        }
        var answered = Set<Int>()
        var reporter = (asked: asked, rank: rank)
        let answersEnd = MPI_Wtime() + Self.answerSeconds
        while MPI_Wtime() < answersEnd {
            if try isComplete(&request) { return }
            heard += try serveNotes()
            for (source, note) in heard {
                        answered.insert(source)
                if note.kind == .query && (note.collective, source) < reporter { reporter = (note.collective, source) }
            }
            heard.removeAll(keepingCapacity: true)
            usleep(1_000)
        }
        if reporter.rank != rank {
            // In steps: a signal (the SIGTERM of the job's end) cuts a sleep short.
            let reporterEnd = MPI_Wtime() + Self.reporterSeconds
            while MPI_Wtime() < reporterEnd { usleep(10_000) }
        }
        throw CollectiveTimeoutError(
            label: label(), seconds: timeout, lateRanks: (0..<size).filter { $0 != rank && !answered.contains($0) })
    }

    private func isComplete(_ request: inout MPI_Request?) throws -> Bool {
        var done: Int32 = 0
        try check(MPI_Test(&request, &done, cmpi_status_ignore()), "MPI_Test")
        return done != 0
    }

    /// Receives every note that has come in, answers the queries, and returns the notes.
    private func serveNotes() throws -> [(source: Int, note: Note)] {
        try completeSends()
        var received: [(source: Int, note: Note)] = []
        var message = [Int64](repeating: 0, count: 2)
        while true {
            var waiting: Int32 = 0
            var status = MPI_Status()
            try check(MPI_Iprobe(cmpi_any_source(), Self.tag, handle, &waiting, &status), "MPI_Iprobe(roll call)")
            guard waiting != 0 else { return received }
            let source = status.MPI_SOURCE
            try check(MPI_Recv(&message, 2, cmpi_int64(), source, Self.tag, handle, cmpi_status_ignore()), "MPI_Recv(roll call)")
            guard let kind = Kind(rawValue: message[0]) else { continue }
            let note = Note(kind: kind, collective: Int(message[1]))
            if kind == .query {
                try send(Note(kind: .answer, collective: count), to: Int(source))
            }
            received.append((Int(source), note))
        }
    }

    private func send(_ note: Note, to peer: Int) throws {
        let buffer = UnsafeMutablePointer<Int64>.allocate(capacity: 2)
        buffer[0] = note.kind.rawValue
        buffer[1] = Int64(note.collective)
        var request: MPI_Request? = cmpi_request_null()
        do {
            try check(MPI_Isend(buffer, 2, cmpi_int64(), Int32(peer), Self.tag, handle, &request), "MPI_Isend(roll call)")
        } catch {
            buffer.deallocate()
            throw error
        }
        sends.append((request, buffer))
    }

    /// Frees the buffers of notes MPI has delivered (a note to a stopped rank stays).
    private func completeSends() throws {
        var index = 0
        while index < sends.count {
            if try isComplete(&sends[index].request) {
                sends[index].buffer.deallocate()
                sends.remove(at: index)
            } else {
                index += 1
            }
        }
    }
}
