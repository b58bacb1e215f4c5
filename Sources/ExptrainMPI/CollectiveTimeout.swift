/// A collective that did not complete in time, with the ranks that had not arrived
/// when this rank gave up (found by `RollCall`).
///
/// A collective cannot be cancelled, so the caller ends the job (`Communicator.abort`);
/// the command line does, with exit code 1.
public struct CollectiveTimeoutError: Error, CustomStringConvertible, Sendable {
    /// What the collective was for, for example "gradient all-reduce of update 17".
    public let label: String
    public let seconds: Double
    /// Ranks that did not answer the roll call: stopped, stuck outside MPI, cut off, or
    /// still working on something else. Empty when every rank answered.
    public let lateRanks: [Int]

    public init(label: String, seconds: Double, lateRanks: [Int]) {
        self.label = label
        self.seconds = seconds
        self.lateRanks = lateRanks
    }

    public var description: String {
        let bound = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        let prefix = "collective '\(label)' did not complete within \(bound) s: "
        guard !lateRanks.isEmpty else {
            return prefix + "every rank answered the roll call, so they wait in different collectives (a bug: please report it)"
        }
        let ranks = lateRanks.map(String.init).joined(separator: ", ")
        return prefix + "rank\(lateRanks.count == 1 ? "" : "s") \(ranks) did not arrive (stopped, stuck in an environment, cut off, or dead?); raise --collective-timeout if \(lateRanks.count == 1 ? "that rank is" : "those ranks are") only slow"
    }
}
