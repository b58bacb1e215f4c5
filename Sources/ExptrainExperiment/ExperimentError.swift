/// A mistake in an experiment's definition or in how it was asked to run: a bad
/// machine parameter, an impossible training setting, an unknown `--config` key.
///
/// The message is one line naming the experiment, what was wrong and what to do;
/// the command line reports it with exit code 2.
public struct ExperimentError: ReportedError, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var exitCode: Int32 { ExitCode.usage }
}
