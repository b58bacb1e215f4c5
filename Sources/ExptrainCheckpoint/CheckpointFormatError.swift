/// A checkpoint file that cannot be used: truncated, corrupt, or not a safetensors file.
///
/// The message is one line naming the file and what is wrong with it, for example
/// `checkpoint runs/x/ckpt.safetensors is truncated: header says 1048 bytes of tensors,
/// file has 512`. The command line reports it with exit code 3.
public struct CheckpointFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
