import ExptrainEnvironment

/// A model or checkpoint that cannot be written as ONNX: a model without an
/// `ONNXExportable` conformance, a layer without an ONNX form, or a normalisation that
/// does not fit the model. The command line reports it in one line, with exit code 2.
public struct ExportError: ReportedError, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var exitCode: Int32 { ExitCode.usage }
}
