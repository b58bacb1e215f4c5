#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import Synchronization

/// Set by SIGUSR1 or SIGTERM: a cluster scheduler wants this job to stop soon.
private let preemptionRequested = Atomic<Bool>(false)

/// Catches the signals cluster schedulers send before they stop a job (Slurm's
/// `--signal=B:USR1@90`, forwarded by `mpirun`; SIGTERM on preemption), so training
/// can stop at the next update boundary with a checkpoint instead of being killed.
///
/// The handler only sets a flag; the trainer reads it once per update and all ranks
/// agree through the update's control all-reduce.
enum PreemptionSignal {
    /// The exit code of a run that stopped because it was asked to: its checkpoint is
    /// written and `--resume` continues it (75 is `EX_TEMPFAIL`: try again later).
    static let exitCode = ExitCode.preempted

    /// Installs the handlers (idempotent).
    static func install() {
        for number in [SIGUSR1, SIGTERM] {
            signal(number) { _ in preemptionRequested.store(true, ordering: .relaxed) }
        }
    }

    /// Whether a preemption signal has arrived at this process.
    static var isRequested: Bool { preemptionRequested.load(ordering: .relaxed) }
}

/// A run that stopped early because a scheduler asked it to; its checkpoint is saved.
public struct PreemptedError: ReportedError, Sendable {
    public let checkpoint: String
    public let totalSteps: Int

    public var description: String {
        "preempted at step \(totalSteps): checkpoint \(checkpoint) written; rerun with --resume to continue"
    }

    /// The documented exit code of a preempted run (75).
    public var exitCode: Int32 { PreemptionSignal.exitCode }
}
