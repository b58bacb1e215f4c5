import ExptrainEnvironment

/// A checkpoint that cannot be used: missing, truncated, corrupt, or made by another
/// experiment or model shape. The command line exits with code 3.
public struct CheckpointError: ReportedError, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var exitCode: Int32 { ExitCode.checkpoint }
}
