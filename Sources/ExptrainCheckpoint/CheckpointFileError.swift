/// A checkpoint file that could not be read or written at all: a missing file, a
/// folder without write permission, a full disk.
///
/// The message is one line naming the file and the operating system's reason.
public struct CheckpointFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
