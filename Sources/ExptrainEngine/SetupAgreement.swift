import ExptrainExperiment
import ExptrainMPI

/// A rank's set-up step failed on some other rank.
struct OtherRanksFailed: ReportedError, Sendable {
    let failures: Int
    let what: String
    let exitCode: Int32

    var description: String {
        "\(failures) other rank(s) could not \(what) (each says why in its own line)"
    }
}

extension RunContext {
    /// Runs `body`, a set-up step that may fail alike on every rank (making the sampler:
    /// a missing Python, an unknown Gymnasium environment), then lets every rank learn
    /// whether all succeeded. If any failed, all throw together — a failed rank its own
    /// error, the others `OtherRanksFailed` with the failed ranks' exit code — so that each
    /// rank's line is printed before the first `MPI_Abort` ends the job, not only the
    /// fastest rank's.
    func agreeing<T>(on what: String, _ body: () throws -> T) throws -> T {
        let result = Result { try body() }
        var code: Int64 = 0
        if case .failure(let error) = result {
            code = Int64((error as? any ReportedError)?.exitCode ?? ExitCode.failure)
        }
        let failures = try world.allReduce(Int64(code == 0 ? 0 : 1), .sum)
        let worstCode = try world.allReduce(code, .max)
        if failures > 0, case .success = result {
            throw OtherRanksFailed(failures: Int(failures), what: what, exitCode: Int32(worstCode))
        }
        return try result.get()
    }
}
