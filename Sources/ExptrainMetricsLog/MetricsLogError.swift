/// A log file that could not be created or written: a folder without write
/// permission, a full disk.
///
/// The message is one line naming the file and the operating system's reason.
public struct MetricsLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
