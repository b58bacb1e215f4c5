import ExptrainEnvironment

/// An error the user can act on, with the process exit code the command line uses.
///
/// Exit codes (SPEC §5): 0 done, 1 other failure, 2 bad usage or bad experiment,
/// 3 bad checkpoint. The message is one line naming what was wrong, where, and what
/// to do.
public struct ExptrainError: ReportedError, Sendable {
    public enum Kind: Int32, Sendable {
        case failure = 1
        case usage = 2
        case checkpoint = 3
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: Int32 { kind.rawValue }
    public var description: String { message }

    public static func usage(_ message: String) -> ExptrainError { ExptrainError(.usage, message) }
}
