import CMPI

/// An MPI call that did not succeed, with the library's own explanation.
///
/// The world communicator is switched to `MPI_ERRORS_RETURN`, so a failing call
/// comes back here as a Swift error instead of killing the process inside MPI.
///
/// ```swift
/// do { try world.barrier() }
/// catch let error as MPIError { print(error) }  // "MPI_Barrier failed: MPI_ERR_COMM: invalid communicator"
/// ```
public struct MPIError: Error, CustomStringConvertible, Sendable {
    /// The MPI function that failed, for example `"MPI_Allreduce"`.
    public let function: String
    /// The MPI error code, or `nil` when the failure was detected before calling MPI.
    public let code: Int32?
    /// MPI's error string for `code`, or this layer's own explanation.
    public let message: String

    public init(function: String, code: Int32?, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    public var description: String { "\(function) failed: \(message)" }

    /// The error for MPI error `code`, explained by `MPI_Error_string`.
    public static func describing(code: Int32, function: String) -> MPIError {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        let message: String
        if MPI_Error_string(code, &buffer, &length) == cmpi_success() {
            message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            message = "MPI error code \(code)"
        }
        return MPIError(function: function, code: code, message: message)
    }
}

/// Turns an MPI return code into a thrown `MPIError`.
@inline(__always)
func check(_ code: Int32, _ function: @autoclosure () -> String) throws {
    if code != MPI_SUCCESS {
        throw MPIError.describing(code: code, function: function())
    }
}
