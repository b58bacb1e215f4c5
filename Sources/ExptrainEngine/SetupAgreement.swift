import ExptrainExperiment
import ExptrainMPI

/// A set-up step that failed on one or more ranks, thrown on every rank at once after they
/// agreed on it (`RunContext.agreeing`): a failed rank's own error, or on the others the
/// number of ranks that failed. Since every rank stops here together, each reports its
/// line and exits without `MPI_Abort`, so no rank's line is cut off by another's abort.
public struct SetUpFailure: ReportedError, Sendable {
    public let message: String
    public let exitCode: Int32

    public var description: String { message }
}

extension RunContext {
    /// Runs `body`, a set-up step that may fail alike on every rank (making the sampler:
    /// a missing Python, an unknown Gymnasium environment), then lets every rank learn
    /// whether all succeeded; if any failed, every rank throws a `SetUpFailure`, the
    /// failed ranks with their own message, the others with the failed ranks' exit code.
    func agreeing<T>(on what: String, _ body: () throws -> T) throws -> T {
        let result = Result { try body() }
        var code: Int64 = 0
        if case .failure(let error) = result {
            code = Int64((error as? any ReportedError)?.exitCode ?? ExitCode.failure)
        }
        let failures = try world.allReduce(Int64(code == 0 ? 0 : 1), .sum)
        let worstCode = try world.allReduce(code, .max)
        switch result {
        case .success(let value) where failures == 0:
            return value
        case .success:
            throw SetUpFailure(message: "\(failures) other rank(s) could not \(what); each says why", exitCode: Int32(worstCode))
        case .failure(let error):
            throw SetUpFailure(message: String(describing: error), exitCode: Int32(code))
        }
    }
}
