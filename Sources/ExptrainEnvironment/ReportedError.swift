/// An error exptrain reports to the user as one line, with the process exit code the
/// command line ends with (SPEC §5). Every layer's errors conform, so the command line
/// maps an error to its code by type, never by its text.
public protocol ReportedError: Error, CustomStringConvertible {
    /// The process exit code (`ExitCode`).
    var exitCode: Int32 { get }
}

/// exptrain's documented exit codes.
public enum ExitCode {
    /// Finished.
    public static let success: Int32 = 0
    /// Any other failure (an environment that failed, a file that could not be written).
    public static let failure: Int32 = 1
    /// Bad usage or a bad experiment.
    public static let usage: Int32 = 2
    /// A bad checkpoint: truncated, corrupt, another experiment's or another model shape's.
    public static let checkpoint: Int32 = 3
    /// Stopped by a preemption signal after writing a checkpoint; rerun with `--resume`.
    public static let preempted: Int32 = 75
}

extension SpaceError: ReportedError {
    /// A space that cannot be used is a mistake in the experiment: exit code 2.
    public var exitCode: Int32 { ExitCode.usage }
}

/// A task or sampler that failed: an environment raised, returned something outside its
/// space, or a training sampler ran out of tasks. Exit code 1, or 2 when the mistake is
/// in the experiment's definition.
public struct TaskError: ReportedError, Sendable, Equatable {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = ExitCode.failure) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
